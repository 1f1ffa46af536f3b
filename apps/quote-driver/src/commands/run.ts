import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { EXIT } from '../io.js';
import { loadExperimentFile } from '../experiment/load-experiment.js';
import { runExperiment } from '../experiment/runner.js';
import { renderTable, writeReport } from '../experiment/render.js';
import { formatSize } from '../experiment/size.js';

/** `tdx-shbuf run <experiment> [--out dir] [--quiet]`: run an experiment, print the table, write the report. */
export const runCommand: Command = {
  name: 'run',
  usage: 'run <experiment.yaml|json|ts> [--out dir] [--trace] [--quiet]   run an experiment; write results.json, results.csv, report.html (+ trace.json)',
  async run(argv, io) {
    let args;
    try {
      args = parseArgs({ args: [...argv], allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean' }, trace: { type: 'boolean' } } });
    } catch (e) {
      io.stderr(`tdx-shbuf run: ${(e as Error).message}\n`);
      return EXIT.USAGE;
    }
    const [file, ...extra] = args.positionals;
    if (!file || extra.length) {
      io.stderr(`tdx-shbuf run: expected exactly one experiment file\n`);
      return EXIT.USAGE;
    }
    let exp;
    try {
      exp = await loadExperimentFile(file);
    } catch (e) {
      io.stderr(`tdx-shbuf run: ${(e as Error).message}\n`);
      return EXIT.USAGE;
    }
    const out = args.values.out ?? path.join('runs', exp.name);
    let results;
    try {
      results = await runExperiment(exp, {
        fromDir: path.dirname(path.resolve(file)),
        trace: args.values.trace ?? false,
        onRow: (r) => {
          if (!args.values.quiet) io.stderr(`  ${r.label} @ ${formatSize(r.bytes)} seed ${r.seed}: ${r.status}${r.status === 'ok' ? ` (${r.completed}/${r.requests} requests, ${r.wallMs.toFixed(0)} ms wall)` : ''}\n`);
        },
      });
    } catch (e) {
      io.stderr(`tdx-shbuf run: ${(e as Error).message}\n`);
      return EXIT.USAGE;
    }
    io.stdout(`\n${exp.name}: ${exp.description}\n\n${renderTable(results)}\n`);
    const files = writeReport(out, results);
    io.stdout(`wrote ${files.join(', ')}\n`);
    const violations = results.rows.reduce((n, r) => n + Object.values(r.violations).reduce((a, b) => a + b, 0), 0);
    if (violations) io.stdout(`note: ${violations} invariant violation(s) recorded — see results.json\n`);
    return EXIT.OK;
  },
};
