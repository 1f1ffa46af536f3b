/** `tdx-shbuf run <experiment>`: run an experiment, print the table, write the report. */
import path from 'node:path';
import { defineCommand } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { loadExperimentFile } from '../experiment/load-experiment.js';
import { runExperiment, type ExperimentResults } from '../experiment/runner.js';
import type { Experiment } from '../experiment/experiment-schema.js';
import { renderTable, writeReport } from '../experiment/render.js';
import { formatSize } from '../experiment/size.js';

interface RunOptions {
  out?: string;
  trace?: boolean;
  quiet?: boolean;
}

async function run([file]: string[], options: RunOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`tdx-shbuf run: ${message}\n`);
    return EXIT.USAGE;
  };
  if (file === undefined) return usage('missing <experiment>');
  let exp: Experiment;
  try {
    exp = await loadExperimentFile(file);
  } catch (e) {
    return usage((e as Error).message);
  }
  const out = options.out ?? path.join('runs', exp.name);
  let results: ExperimentResults;
  try {
    results = await runExperiment(exp, {
      fromDir: path.dirname(path.resolve(file)),
      trace: options.trace ?? false,
      onRow: (r) => {
        if (!options.quiet)
          io.stderr(`  ${r.label} @ ${formatSize(r.bytes)} seed ${r.seed}: ${r.status}${r.status === 'ok' ? ` (${r.completed}/${r.requests} requests, ${r.wallMs.toFixed(0)} ms wall)` : ''}\n`);
      },
    });
  } catch (e) {
    return usage((e as Error).message);
  }
  io.stdout(`\n${exp.name}: ${exp.description}\n\n${renderTable(results)}\n`);
  const files = await writeReport(out, results);
  io.stdout(`wrote ${files.join(', ')}\n`);
  const violations = results.rows.reduce((n, r) => n + Object.values(r.violations).reduce((a, b) => a + b, 0), 0);
  if (violations) io.stdout(`note: ${violations} invariant violation(s) recorded — see results.json\n`);
  return EXIT.OK;
}

/** The `run` subcommand. */
export const runCommand = defineCommand<RunOptions>({
  name: 'run',
  arguments: '<experiment>',
  summary: 'run an experiment (.yaml, .json or .ts); print the table, write results.json, results.csv, report.html',
  options: (cmd) => {
    cmd.option('--out <dir>', 'output folder (default: runs/<experiment name>)');
    cmd.option('--trace', 'also write trace.json (Chrome trace events: one track per vCPU and one for the host)');
    cmd.option('--quiet', 'no progress line per run on standard error');
  },
  helpAfter: 'Example:\n  tdx-shbuf run experiments/seed-thread.yaml --out runs/seed',
  run,
});
