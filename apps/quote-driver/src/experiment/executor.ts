/**
 * Runs row tasks on `jobs` worker threads (tinypool) or, with one job, in this
 * thread; results come back in task order whatever order they finish in.
 */
import os from 'node:os';
import Tinypool from 'tinypool';
import { runRow, type RowResult, type RowTask } from './run-row.js';

/** Worker threads by default: one per core. */
export const defaultJobs = (): number => os.availableParallelism();

export interface Executor {
  readonly jobs: number;
  /** Run one task; resolves when it is done. */
  run(task: RowTask): Promise<RowResult>;
  close(): Promise<void>;
}

/**
 * The worker module: dist/experiment/worker.js when built; from sources (the
 * tests, under vitest) worker.ts, loaded through tsx with the "source" export
 * condition, so workers load strategies exactly as this thread does.
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return { filename: new URL('./worker.js', self).href, execArgv: [] };
  const target = new URL('./worker.ts', self).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); const m = await import(${JSON.stringify(target)}); export default m.default;`;
  return { filename: `data:text/javascript,${encodeURIComponent(boot)}`, execArgv: ['--conditions=source'] };
}

/** One run at a time, in this thread. */
function inThread(): Executor {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    jobs: 1,
    run(task) {
      const p = chain.then(() => runRow(task));
      chain = p.catch(() => undefined);
      return p;
    },
    close: async () => {},
  };
}

export function createExecutor(jobs: number): Executor {
  if (jobs <= 1) return inThread();
  const { filename, execArgv } = workerEntry();
  const pool = new Tinypool({ filename, execArgv, minThreads: jobs, maxThreads: jobs, isolateWorkers: false });
  return {
    jobs,
    run: (task) => pool.run(task) as Promise<RowResult>,
    close: () => pool.destroy(),
  };
}

/** Run every task, `onDone` as each finishes (completion order); the results in task order. */
export async function runAll(ex: Executor, tasks: readonly RowTask[], onDone?: (r: RowResult, task: RowTask) => void): Promise<RowResult[]> {
  return Promise.all(
    tasks.map(async (t) => {
      const r = await ex.run(t);
      onDone?.(r, t);
      return r;
    }),
  );
}
