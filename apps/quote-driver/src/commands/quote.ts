/**
 * `tdx-shbuf quote --report-data <128 hex | @file> [--config f] [-o quote.bin] [--root-out root.pem] [--json]`:
 * boot the modeled TD with the configured strategy, produce one quote through
 * the configfs-tsm shaped API, write it atomically. Exit 0 on success, 1 when
 * the driver fails (an errno) or the model recorded an invariant violation
 * (nothing is written then), 2 on bad arguments or configuration.
 */
import path from 'node:path';
import { ConfigError, KernelError } from '@tdx-shbuf/core';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { loadConfig } from '../config/load-config.js';
import { bootTd, type Td } from '../td.js';
import { strategyName } from './quote-summary.js';
import { WriteFileError, writeFilesAtomic } from '../atomic-write.js';

/** Largest --report-data @file read: 64 raw bytes or 128 hex digits with room for whitespace. */
const REPORT_DATA_FILE_MAX = 4096;

/** REPORTDATA from the argument: 128 hex digits, or @file holding 64 raw bytes or 128 hex digits. */
export function parseReportData(arg: string, readFile: (p: string) => Uint8Array): Uint8Array {
  let text = arg;
  if (arg.startsWith('@')) {
    let bytes: Uint8Array;
    try {
      bytes = readFile(arg.slice(1));
    } catch (e) {
      throw new Error(`--report-data: cannot read ${arg.slice(1)}: ${errorCode(e)}`);
    }
    if (bytes.length === 64) return bytes.slice();
    text = Buffer.from(bytes).toString('latin1').trim();
  }
  if (!/^[0-9a-fA-F]*$/.test(text)) return bad(`--report-data: not hex (${text.length > 20 ? `${text.slice(0, 20)}…` : text})`);
  if (text.length !== 128) return bad(`--report-data: ${text.length} hex digits; TDX REPORTDATA is exactly 64 bytes (128 hex digits)`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function bad(message: string): never {
  throw new Error(message);
}

interface QuoteOptions {
  reportData: string;
  config?: string;
  out: string;
  rootOut?: string;
  json?: boolean;
}

async function run(_args: string[], v: QuoteOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`tdx-shbuf quote: ${message}\n`);
    return EXIT.USAGE;
  };
  const cwd = io.cwd?.() ?? process.cwd();
  const readFile = (p: string) => io.readFile(path.resolve(cwd, p), REPORT_DATA_FILE_MAX);
  let reportData: Uint8Array;
  try {
    reportData = parseReportData(v.reportData, readFile);
  } catch (e) {
    return usage((e as Error).message);
  }
  let td: Td;
  try {
    const loaded = await loadConfig({ cwd, explicit: v.config });
    td = await bootTd(loaded.config, { configDir: loaded.dir });
  } catch (e) {
    if (e instanceof ConfigError) return usage(e.message);
    throw e;
  }

  const report = td.createReport(0);
  report.inblob = reportData;
  const generation = report.generation;
  let quote: Uint8Array;
  try {
    quote = await report.outblob;
  } catch (e) {
    if (!(e instanceof KernelError)) throw e;
    io.stderr(`tdx-shbuf quote: the driver failed: ${e.message}\n`);
    return EXIT.CHECK_FAILED;
  }
  if (report.generation !== generation) {
    io.stderr('tdx-shbuf quote: inblob changed while the quote was generated (generation moved)\n');
    return EXIT.CHECK_FAILED;
  }
  const violations = td.machine.violations;
  if (violations.length > 0) {
    // A run that broke an invariant is never a success, whatever the quote looks like.
    const v = violations[0]!;
    io.stderr(
      `tdx-shbuf quote: the model recorded ${violations.length} invariant violation${violations.length === 1 ? '' : 's'} (first: invariant ${v.invariant} at pfn ${v.pfn}: ${v.message}); nothing written\n`,
    );
    return EXIT.CHECK_FAILED;
  }
  if (quote.length === 0) {
    io.stderr('tdx-shbuf quote: the driver returned an empty quote (the v6.7 timeout off-by-one, or a host that wrote no quote); nothing written\n');
    return EXIT.CHECK_FAILED;
  }
  const out = path.resolve(cwd, v.out);
  try {
    // both or neither: a root file that cannot be written must not cost the quote already at `out`
    writeFilesAtomic([{ file: out, data: quote }, ...(v.rootOut === undefined ? [] : [{ file: path.resolve(cwd, v.rootOut), data: td.rootCaPem }])]);
  } catch (e) {
    if (!(e instanceof WriteFileError)) throw e;
    io.stderr(`tdx-shbuf quote: ${e.message}\n`);
    return EXIT.USAGE;
  }
  const m = td.machine;
  const c = m.counters;
  const b = td.bootCounters;
  const summary = {
    file: v.out,
    bytes: quote.length,
    strategy: strategyName(td.strategy),
    package: `${td.strategy.definition.meta.name}@${td.strategy.definition.meta.version}`,
    options: td.strategy.options,
    completion: td.driver.policy.completion,
    checks: td.driver.policy.checks,
    modeledLatencyNs: td.driver.last?.latencyNs ?? 0,
    pagesConvertedToShared: c.pagesConvertedToShared - b.pagesConvertedToShared,
    pagesConvertedToPrivate: c.pagesConvertedToPrivate - b.pagesConvertedToPrivate,
    directMapSplits1G: c.directMapLevel3Splits - b.directMapLevel3Splits,
    directMapSplits2M: c.directMapLevel2Splits - b.directMapLevel2Splits,
    violations: m.violations.length,
    reportData: Buffer.from(reportData).toString('hex'),
    rootOut: v.rootOut ?? null,
  };
  if (v.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.OK;
  }
  const ms = (ns: number) => (ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : `${(ns / 1e6).toFixed(3)} ms`);
  io.stdout(
    [
      `wrote ${summary.bytes}-byte quote to ${v.out}`,
      `  strategy          ${summary.strategy} (${summary.package}) ${JSON.stringify(summary.options)}`,
      `  modeled latency   ${ms(summary.modeledLatencyNs)} (completion ${summary.completion}, checks ${summary.checks})`,
      `  conversions       ${summary.pagesConvertedToShared} pages to shared, ${summary.pagesConvertedToPrivate} to private (driver init + request)`,
      `  direct-map splits ${summary.directMapSplits1G} × 1G, ${summary.directMapSplits2M} × 2M`,
      `  verify with       tdx-shbuf inspect ${v.out} --trusted-root ${v.rootOut ?? '<tdx-shbuf sim-root>'}`,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
}

/** The `quote` subcommand. */
export const quoteCommand = defineCommand<QuoteOptions>({
  name: 'quote',
  arguments: '',
  summary: 'one real-format TDX quote from the modeled TD, through the configured strategy',
  options: (cmd) => {
    cmd.requiredOption('--report-data <hex|@file>', 'REPORTDATA: 128 hex digits, or @file holding 64 raw bytes or 128 hex digits');
    cmd.option('--config <file>', 'configuration file (default: tdx-shbuf.config.{ts,json,yaml} from the working folder up)');
    cmd.option('-o, --out <file>', 'where to write the quote', 'quote.bin');
    cmd.option('--root-out <file>', 'also write the simulated root CA the quote chains to (PEM)');
    cmd.option('--json', 'print the summary as JSON');
  },
  helpAfter: 'Example:\n  tdx-shbuf quote --report-data @reportdata.bin -o quote.bin --root-out root.pem\n  tdx-shbuf inspect quote.bin --trusted-root root.pem',
  run,
});
