/** `tdx-shbuf run <experiment>`: run an experiment (or one shard of it), print the table, write the report. */
import path from 'node:path';
import { defineCommand } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { loadExperimentFile } from '../experiment/load-experiment.js';
import { checkOutDir } from '../experiment/out-dir.js';
import { createProgress } from '../experiment/progress.js';
import { runExperiment } from '../experiment/runner.js';
import { resolveShard } from '../experiment/shard.js';
import { defaultJobs } from '../experiment/executor.js';
import { finish, reportFailure } from './run-output.js';

interface RunOptions {
  out?: string;
  trace?: boolean;
  quiet?: boolean;
  jobs?: string;
  shard?: string;
  shards?: string;
  sensitivity?: boolean;
}

async function run([file]: string[], options: RunOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => {
    io.stderr(`tdx-shbuf run: ${message}\n`);
    return EXIT.USAGE;
  };
  if (file === undefined) return usage('missing <experiment>');
  if (options.jobs !== undefined && !/^[1-9]\d{0,3}$/.test(options.jobs)) return usage(`--jobs: "${options.jobs}" is not a number of worker threads (1 to 9999)`);
  try {
    const shard = resolveShard(options, process.env);
    const exp = await loadExperimentFile(file);
    const out = options.out ?? path.join('runs', exp.name);
    checkOutDir(out);
    const columns = options.quiet ? undefined : io.stderrColumns?.();
    const progress = createProgress(options.quiet ? undefined : { write: io.stderr, isTTY: columns !== undefined, ...(columns !== undefined ? { columns } : {}) });
    const results = await runExperiment(exp, {
      fromDir: path.dirname(path.resolve(file)),
      file,
      jobs: options.jobs !== undefined ? Number(options.jobs) : defaultJobs(),
      shard,
      sensitivity: options.sensitivity ?? false,
      trace: options.trace ?? false,
      progress,
    });
    return await finish('run', results, out, io);
  } catch (e) {
    return reportFailure('run', e, io);
  }
}

/** The `run` subcommand. */
export const runCommand = defineCommand<RunOptions>({
  name: 'run',
  arguments: '<experiment>',
  summary: 'run an experiment (.yaml, .json or .ts); print the table, write results.json, results.csv, report.html',
  options: (cmd) => {
    cmd.option('--out <dir>', 'output folder (default: runs/<experiment name>)');
    cmd.option('--jobs <n>', 'worker threads running points in parallel (default: one per core; results are the same for any n)');
    cmd.option('--shard <k/n>', 'run only shard k of n (1-based k): the points whose index is k-1 mod n; combine with tdx-shbuf merge');
    cmd.option('--shards <n>', 'shard count when JOB_COMPLETION_INDEX (0-based, Kubernetes Indexed Jobs) picks the shard; or TDX_SHBUF_SHARDS');
    cmd.option('--sensitivity', 'vary each cost parameter over its documented range and report whether the ranking of strategies holds');
    cmd.option('--trace', 'also write trace.json (Chrome trace events: one track per vCPU and one for the host)');
    cmd.option('--quiet', 'no progress on standard error');
  },
  helpAfter:
    'Examples:\n  tdx-shbuf run experiments/seed-thread.yaml --out runs/seed\n  tdx-shbuf run sweep.yaml --shard 2/4 --out runs/sweep-2 && tdx-shbuf merge runs/sweep-* --out runs/sweep\n\nExit 1 when a run had errors the experiment does not declare in expectErrors, or any invariant was violated.',
  run,
});
