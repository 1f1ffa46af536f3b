/**
 * Runs an experiment: plan it (every point checked before anything runs), run
 * its rows on worker threads, optionally the sensitivity analysis, and
 * assemble results.json (docs/results-format.md). Rows are in plan order,
 * never completion order, so the results are the same for any --jobs.
 */
import { VERSION } from '../version.js';
import { createExecutor, defaultJobs, runAll, type Executor } from './executor.js';
import type { Experiment } from './experiment-schema.js';
import { planExperiment } from './plan.js';
import { createProgress, type Progress } from './progress.js';
import { SCHEMA_VERSION, type ExperimentResults, type RunRow } from './results.js';
import { DEFAULT_SENSITIVITY, runSensitivity, sensitivityParameters } from './sensitivity.js';
import { inShard, type Shard } from './shard.js';

export type { ExperimentResults, RunRow } from './results.js';
export { strategyLabel } from './plan.js';

export interface RunOptions {
  /** Folder strategy names are resolved from (the experiment file's folder). */
  fromDir: string;
  /** The experiment file, for messages (default: the experiment's name). */
  file?: string;
  /** Export conditions for resolving strategy packages (tests add "source"). */
  conditions?: readonly string[];
  /** Worker threads (default: one per core; 1 runs in this thread). */
  jobs?: number;
  /** Run only this shard's points. */
  shard?: Shard | undefined;
  /** Run the sensitivity analysis even when the experiment has no `sensitivity:` block. */
  sensitivity?: boolean;
  /** Record a timeline of every run (Chrome trace-event JSON in `results.trace`). */
  trace?: boolean;
  progress?: Progress;
}

const detail = (r: RunRow) => (r.status === 'ok' ? `ok (${r.completed}/${r.requests} requests${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''})` : r.status);

/** A view of `ex` that reports each run to `progress` under `phase`. */
function counted(ex: Executor, progress: Progress, phase: string): Executor {
  return {
    jobs: ex.jobs,
    run(task) {
      progress.add(1, phase);
      return ex.run(task).then((r) => {
        progress.done(r.row.label, detail(r.row));
        return r;
      });
    },
    close: () => ex.close(),
  };
}

/** Run the experiment (or one shard of it), each run on a fresh guest. */
export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<ExperimentResults> {
  const startedAt = new Date().toISOString();
  const wall0 = performance.now();
  const file = opts.file ?? exp.name;
  const plan = await planExperiment(exp, file, opts);
  const settings = exp.sensitivity ?? (opts.sensitivity ? DEFAULT_SENSITIVITY : undefined);
  const parameters = settings ? sensitivityParameters(settings, file) : [];
  const pointIndexes = plan.points.filter((p) => inShard(p.index, opts.shard)).map((p) => p.index);
  const tasks = plan.tasks.filter((t) => pointIndexes.includes(Number(t.pointId.slice(1))));
  const progress = opts.progress ?? createProgress(undefined);
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), settings ? Number.POSITIVE_INFINITY : tasks.length));
  const executor = createExecutor(jobs);
  let done: Awaited<ReturnType<typeof runAll>>;
  let sensitivity: ExperimentResults['sensitivity'];
  let sensitivityWallMs: number | undefined;
  try {
    progress.add(tasks.length, '');
    done = await runAll(executor, tasks, (r) => progress.done(r.row.label, detail(r.row)));
    if (settings) {
      const s0 = performance.now();
      sensitivity = await runSensitivity({ plan, settings, parameters, rows: done.map((d) => d.row), pointIndexes, executor: counted(executor, progress, 'sensitivity') });
      sensitivityWallMs = performance.now() - s0;
    }
  } finally {
    progress.end();
    await executor.close();
  }
  const rows = done.map((d) => d.row);
  const results: ExperimentResults = {
    schemaVersion: SCHEMA_VERSION,
    generator: { name: 'tdx-shbuf', version: VERSION },
    name: exp.name,
    description: exp.description,
    experiment: exp,
    experimentHash: plan.hash,
    matrix: plan.axes,
    points: plan.points.map(({ id, label, coordinates }) => ({ id, label, coordinates })),
    strategies: plan.strategies.map(({ label, spec }) => ({ label, spec })),
    seeds: exp.seeds,
    rows,
    ...(sensitivity ? { sensitivity } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
    timing: {
      startedAt,
      wallMs: performance.now() - wall0,
      jobs,
      perRowWallMs: Object.fromEntries(done.map((d) => [d.row.id, d.wallMs])),
      ...(sensitivityWallMs !== undefined ? { sensitivityWallMs } : {}),
    },
  };
  if (opts.trace) {
    const traceEvents = done.flatMap((d, i) => (d.traceEvents ?? []).map((e) => ({ ...e, pid: i + 1 })));
    results.trace = { traceEvents, displayTimeUnit: 'ns' };
  }
  return results;
}
