/**
 * `tdx-shbuf inspect <file>`: parse and verify a TDX quote (v4/v5) or a
 * 1024-byte TDREPORT. The verdict says what was checked; exit codes are in
 * {@link INSPECT_HELP_AFTER}. Input is untrusted: it is size-checked before it is
 * read, and every error is one line on stderr with exit 2.
 */
import { FormatError, fromHex, QUOTE_MAX_SIZE, splitPemChain, TDREPORT_SIZE } from '@tdx-shbuf/tdx-formats';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { exitCodeFor, renderSummary, summarizeQuote, summarizeTdReport } from './inspect-summary.js';

/** Text after the generated `inspect --help`: what is checked, and the exit codes. */
export const INSPECT_HELP_AFTER = `A quote (v4 or v5, at most ${QUOTE_MAX_SIZE} bytes) is checked for its signature, the QE report
signature and binding, the PCK chain (exactly leaf, intermediate, root, to the trusted root) and
certificate dates; TCB level, QE identity and revocation need Intel PCS collateral and are not checked.
A ${TDREPORT_SIZE}-byte TDREPORT's MAC is the CPU's: without the key only its two SHA-384 hashes can be
checked, which anyone can recompute, so the verdict is "consistent", not "verified".

Exit codes:
  0  verified: every check ran and holds
  1  a check failed (the verdict says which)
  2  bad arguments, or input that is unreadable, too large or not a quote/TDREPORT
  3  consistent: a TDREPORT whose hashes hold but whose MAC could not be checked

Examples:
  tdx-shbuf inspect quote.bin --trusted-root root.pem
  tdx-shbuf inspect quote.bin --at 2026-06-01 --json
  tdx-shbuf inspect tdreport.bin --mac-key <hex>`;

/** Options of one inspection, as the argument parser hands them over. */
export interface InspectOptions {
  file: string;
  json: boolean;
  trustedRoot?: string | undefined;
  /** `--at` text (validated by {@link parseAtOption}). */
  at?: string | undefined;
  checkDates: boolean;
  /** `--mac-key` hex. */
  macKey?: string | undefined;
}

/** `--at`: an ISO 8601 date or date-time (`2026-06-01`, `2026-06-01T12:00:00Z`, with an offset). Throws a one-line Error. */
export function parseAtOption(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const t = iso.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw new Error(`--at: "${text}" is not an ISO 8601 date (e.g. 2026-06-01 or 2026-06-01T12:00:00Z)`);
  return new Date(t);
}

/** `--mac-key`: hex of at least 16 bytes. Throws a one-line Error. */
export function parseMacKeyOption(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromHex(text);
  } catch {
    throw new Error('--mac-key: not a hex string');
  }
  if (key.length < 16) throw new Error(`--mac-key: ${key.length} bytes; a platform MAC key is at least 16 bytes (the model's is 32)`);
  return key;
}

function looksLikeQuote(bytes: Uint8Array): boolean {
  const version = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
  return version === 4 || version === 5; // Quote header u16 version, docs/model.md §7
}

/** Inspect one file; writes the summary or one error line and resolves to the exit code. */
export function inspectFile(o: InspectOptions, io: CliIo): number {
  const fail = (message: string) => {
    io.stderr(`tdx-shbuf inspect: ${message}\n`);
    return EXIT.USAGE;
  };
  let now: Date | undefined;
  let macKey: Uint8Array | undefined;
  try {
    if (o.at !== undefined && !o.checkDates) return fail('--at and --no-check-dates contradict each other');
    if (o.at !== undefined) now = parseAtOption(o.at);
    if (o.macKey !== undefined) macKey = parseMacKeyOption(o.macKey);
  } catch (e) {
    return fail((e as Error).message);
  }
  let trustedRootPem: string | undefined;
  if (o.trustedRoot !== undefined) {
    try {
      // a root certificate is far smaller than any quote that carries one
      trustedRootPem = Buffer.from(io.readFile(o.trustedRoot, QUOTE_MAX_SIZE)).toString('latin1');
    } catch (e) {
      return fail(`cannot read ${o.trustedRoot}: ${errorCode(e)}`);
    }
    if (splitPemChain(trustedRootPem).length === 0) return fail(`${o.trustedRoot} holds no PEM certificate`);
  }
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(o.file, QUOTE_MAX_SIZE);
  } catch (e) {
    return fail(`cannot read ${o.file}: ${errorCode(e)}`);
  }
  let summary: ReturnType<typeof summarizeQuote> | ReturnType<typeof summarizeTdReport>;
  try {
    if (looksLikeQuote(bytes)) {
      if (macKey) return fail('--mac-key applies to TDREPORTs; a quote is signed, not MACed');
      summary = summarizeQuote(bytes, { ...(trustedRootPem === undefined ? {} : { trustedRootPem }), ...(now ? { now } : {}), checkValidity: o.checkDates });
    } else if (bytes.length === TDREPORT_SIZE) {
      if (now || !o.checkDates) return fail('--at and --no-check-dates apply to quotes; a TDREPORT carries no certificates');
      if (trustedRootPem !== undefined) return fail('--trusted-root applies to quotes; a TDREPORT carries no certificates');
      summary = summarizeTdReport(bytes, macKey);
    } else return fail(`${o.file}: neither a TDX quote (version 4 or 5) nor a ${TDREPORT_SIZE}-byte TDREPORT (${bytes.length} bytes)`);
  } catch (e) {
    if (e instanceof FormatError) return fail(`${o.file}: ${e.message}`);
    throw e;
  }
  io.stdout(o.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(o.file, summary));
  return exitCodeFor(summary.verdict);
}

/** What commander hands over (`--no-check-dates` sets checkDates false). */
interface InspectFlags {
  json?: boolean;
  trustedRoot?: string;
  at?: string;
  checkDates?: boolean;
  macKey?: string;
}

function run([file]: string[], f: InspectFlags, io: CliIo): number {
  if (file === undefined) {
    io.stderr('tdx-shbuf inspect: missing <file> (usage: tdx-shbuf inspect <file> [options]; --help lists them)\n');
    return EXIT.USAGE;
  }
  return inspectFile({ file, json: f.json ?? false, trustedRoot: f.trustedRoot, at: f.at, checkDates: f.checkDates ?? true, macKey: f.macKey }, io);
}

/** The `inspect` subcommand. */
export const inspectCommand = defineCommand<InspectFlags>({
  name: 'inspect',
  arguments: '<file>',
  summary: 'parse and verify a TDX quote (v4/v5) or a 1024-byte TDREPORT; the verdict says what was checked',
  options: (cmd) => {
    cmd.option('--json', 'print the summary as JSON (verdict, checks, notChecked, every field)');
    cmd.option('--trusted-root <pem>', 'trust this root CA instead of the pinned Intel SGX Root CA (quotes; e.g. from `tdx-shbuf sim-root`)');
    cmd.option('--at <date>', 'check certificate validity periods at this ISO 8601 time, e.g. 2026-06-01 (quotes; default: now)');
    cmd.option('--no-check-dates', 'do not check certificate validity periods (quotes)');
    cmd.option('--mac-key <hex>', "check a simulated TDREPORT's MAC with the model's platform key (TDREPORTs)");
  },
  helpAfter: INSPECT_HELP_AFTER,
  run,
});
