/**
 * `tdx-shbuf inspect <file> [--json] [--trusted-root pem]`: parse and verify
 * a TDX quote (v4/v5) or a 1024-byte TDREPORT. Exit 0 when everything
 * verifies, 1 when a check fails, 2 on bad arguments or unparseable input.
 */
import { parseArgs } from 'node:util';
import { FormatError, splitPemChain } from '@tdx-shbuf/tdx-formats';
import type { Command } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { renderSummary, summarizeQuote, summarizeTdReport } from './inspect-summary.js';

const USAGE = 'inspect <file> [--json] [--trusted-root pem]   parse and verify a quote or TDREPORT';

function looksLikeQuote(bytes: Uint8Array): boolean {
  const version = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
  return version === 4 || version === 5; // Quote header u16 version, docs/model.md §7
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr(`tdx-shbuf inspect: ${message}\n`);
    return EXIT.USAGE;
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { json: { type: 'boolean', default: false }, 'trusted-root': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (parsed.values.help) {
    io.stdout(`usage: tdx-shbuf ${USAGE}\n`);
    return EXIT.OK;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) return fail('missing <file> (usage: tdx-shbuf inspect <file> [--json] [--trusted-root pem])');
  if (extra.length > 0) return fail(`unexpected argument "${extra[0]}"`);

  let trustedRootPem: string | undefined;
  const rootFile = parsed.values['trusted-root'];
  if (rootFile !== undefined) {
    try {
      trustedRootPem = Buffer.from(io.readFile(rootFile)).toString('latin1');
    } catch (e) {
      return fail(`cannot read ${rootFile}: ${errorCode(e)}`);
    }
    if (splitPemChain(trustedRootPem).length === 0) return fail(`${rootFile} holds no PEM certificate`);
  }

  let bytes: Uint8Array;
  try {
    bytes = io.readFile(file);
  } catch (e) {
    return fail(`cannot read ${file}: ${errorCode(e)}`);
  }

  let summary;
  try {
    if (looksLikeQuote(bytes)) summary = summarizeQuote(bytes, trustedRootPem === undefined ? {} : { trustedRootPem });
    else if (bytes.length === 1024) summary = summarizeTdReport(bytes);
    else return fail(`${file}: neither a TDX quote (version 4 or 5) nor a 1024-byte TDREPORT (${bytes.length} bytes)`);
  } catch (e) {
    if (e instanceof FormatError) return fail(`${file}: ${e.message}`);
    throw e;
  }
  io.stdout(parsed.values.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(file, summary));
  return summary.valid ? EXIT.OK : EXIT.CHECK_FAILED;
}

/** The `inspect` subcommand. */
export const inspectCommand: Command = { name: 'inspect', usage: USAGE, run };
