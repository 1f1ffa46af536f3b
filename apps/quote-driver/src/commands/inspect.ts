/**
 * `tdx-shbuf inspect <file> [--json] [--trusted-root pem]`: parse and verify
 * a TDX quote (v4/v5) or a 1024-byte TDREPORT. Exit 0 when everything
 * verifies, 1 when a check fails, 2 on bad arguments or unparseable input.
 */
import { FormatError, splitPemChain } from '@tdx-shbuf/tdx-formats';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { renderSummary, summarizeQuote, summarizeTdReport, type QuoteSummary, type TdReportSummary } from './inspect-summary.js';

function looksLikeQuote(bytes: Uint8Array): boolean {
  const version = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
  return version === 4 || version === 5; // Quote header u16 version, docs/model.md §7
}

interface InspectOptions {
  json?: boolean;
  trustedRoot?: string;
}

async function run([file]: string[], options: InspectOptions, io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr(`tdx-shbuf inspect: ${message}\n`);
    return EXIT.USAGE;
  };
  if (file === undefined) return fail('missing <file>');

  let trustedRootPem: string | undefined;
  const rootFile = options.trustedRoot;
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

  let summary: QuoteSummary | TdReportSummary;
  try {
    if (looksLikeQuote(bytes)) summary = summarizeQuote(bytes, trustedRootPem === undefined ? {} : { trustedRootPem });
    else if (bytes.length === 1024) summary = summarizeTdReport(bytes);
    else return fail(`${file}: neither a TDX quote (version 4 or 5) nor a 1024-byte TDREPORT (${bytes.length} bytes)`);
  } catch (e) {
    if (e instanceof FormatError) return fail(`${file}: ${e.message}`);
    throw e;
  }
  io.stdout(options.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(file, summary));
  return summary.valid ? EXIT.OK : EXIT.CHECK_FAILED;
}

/** The `inspect` subcommand. */
export const inspectCommand = defineCommand<InspectOptions>({
  name: 'inspect',
  arguments: '<file>',
  summary: 'parse and verify a TDX quote (v4/v5) or a 1024-byte TDREPORT',
  options: (cmd) => {
    cmd.option('--json', 'print the fields and every check as JSON');
    cmd.option('--trusted-root <pem>', 'a root CA to trust besides the pinned Intel SGX Root CA (e.g. from `tdx-shbuf sim-root`)');
  },
  helpAfter: 'Examples:\n  tdx-shbuf inspect quote.bin --trusted-root root.pem\n  tdx-shbuf inspect tdreport.bin --json',
  run,
});
