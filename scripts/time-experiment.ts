/**
 * Wall time, CPU time and peak RSS of whole CLI runs of experiments (node
 * start, module loading, every run, the files written), as a user sees them:
 * runs `node apps/quote-driver/dist/cli.js run <experiment> --quiet` N times
 * per experiment and prints each run and the medians. With `--baseline <dir>`
 * (another checkout of this repository, built) it runs that checkout's CLI
 * too, interleaved run by run so both see the same load, prints both medians
 * and the speed-up, and checks that both wrote the same results.json apart
 * from `timing`. Prints figures, asserts nothing else; the machine's load
 * average is printed alongside, since other work on it shows in wall times
 * (CPU time, user + system of the whole process and its worker threads, moves
 * less).
 *
 *   node --import tsx scripts/time-experiment.ts [experiment.yaml …] [runs] [--runs N] [--baseline <checkout>]
 *     (default: experiments/seed-thread.yaml, 5 runs)
 *   pnpm time:seed          seed-thread, 5 runs (builds the CLI first)
 *   pnpm time:experiments   seed-thread, ghci-service and hostile-host, 3 runs each
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = 'apps/quote-driver/dist/cli.js';

function usage(message: string): never {
  console.error(`time-experiment: ${message}`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseOptions>;
function parseOptions() {
  return parseArgs({ allowPositionals: true, options: { runs: { type: 'string' }, baseline: { type: 'string' } } });
}
try {
  parsed = parseOptions();
} catch (e) {
  usage((e as Error).message);
}
const positionals = [...parsed.positionals];
// The old form `time-experiment.ts <experiment> <runs>`: a trailing integer is the run count.
const trailingRuns = positionals.length > 1 && /^\d+$/.test(positionals[positionals.length - 1]!) ? positionals.pop() : undefined;
const runsArg = parsed.values.runs ?? trailingRuns ?? '5';
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1) usage(`runs must be a positive integer, got "${runsArg}"`);
const experiments = positionals.length ? positionals : ['experiments/seed-thread.yaml'];
for (const e of experiments) if (!existsSync(path.resolve(root, e))) usage(`no experiment file ${e}`);
const baseline = parsed.values.baseline === undefined ? undefined : path.resolve(parsed.values.baseline);
if (baseline !== undefined && !existsSync(path.join(baseline, CLI))) usage(`--baseline ${baseline}: no built CLI at ${CLI} there (run pnpm install and pnpm build in it)`);
for (const e of experiments) if (baseline !== undefined && !existsSync(path.resolve(baseline, e))) usage(`--baseline ${baseline}: no experiment file ${e} there`);

// The child reports its own peak RSS (KiB) and CPU time (µs) on exit: Node cannot read a child's rusage.
const reportUsage = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.TIME_EXPERIMENT_USAGE_FILE, JSON.stringify([u.maxRSS, u.userCPUTime + u.systemCPUTime])); });",
)}`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface Run {
  wall: number;
  cpu: number;
  rssMiB: number;
  results: string;
}

/** One whole CLI run of `experiment` from checkout `dir` (its own copy of the file: strategies resolve from the file's folder), writing to `out`. */
function runOnce(dir: string, experiment: string, out: string): Run {
  const usageFile = `${out}.usage`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', reportUsage, path.join(dir, CLI), 'run', path.resolve(dir, experiment), '--out', out, '--quiet'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TIME_EXPERIMENT_USAGE_FILE: usageFile },
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    console.error(`time-experiment: ${experiment} from ${dir} exited with ${r.status ?? r.signal}: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
    process.exit(1);
  }
  const [rssKiB, cpuUs] = JSON.parse(readFileSync(usageFile, 'utf8')) as [number, number];
  return { wall, cpu: cpuUs / 1e6, rssMiB: rssKiB / 1024, results: path.join(out, 'results.json') };
}

/** results.json without the wall-clock `timing`, the only part that differs between equal runs. */
function withoutTiming(file: string): string {
  const { timing: _timing, ...rest } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return JSON.stringify(rest);
}

const show = (r: Run) => `${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU, peak RSS ${r.rssMiB.toFixed(0)} MiB`;
const summary = (rs: Run[]) => {
  const walls = rs.map((r) => r.wall);
  return `median ${median(walls).toFixed(2)} s wall (min ${Math.min(...walls).toFixed(2)}, max ${Math.max(...walls).toFixed(2)}), ${median(rs.map((r) => r.cpu)).toFixed(2)} s CPU, peak RSS ${median(rs.map((r) => r.rssMiB)).toFixed(0)} MiB`;
};

const dir = mkdtempSync(path.join(tmpdir(), 'time-experiment-'));
try {
  for (const experiment of experiments) {
    console.log(`${experiment}, ${runs} runs of: node ${CLI} run ${experiment} --quiet${baseline ? `, interleaved with ${baseline}` : ''}   (load average before: ${load()})`);
    const mine: Run[] = [];
    const theirs: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const tag = `${path.basename(experiment).replace(/\.\w+$/, '')}-${i}`;
      if (baseline) {
        theirs.push(runOnce(baseline, experiment, path.join(dir, `baseline-${tag}`)));
        console.log(`  run ${i + 1} baseline: ${show(theirs[i]!)}`);
      }
      mine.push(runOnce(root, experiment, path.join(dir, tag)));
      console.log(`  run ${i + 1}${baseline ? ' this    ' : ''}: ${show(mine[i]!)}`);
    }
    if (baseline) {
      console.log(`  baseline: ${summary(theirs)}`);
      console.log(`  this:     ${summary(mine)}`);
      const speedup = (f: (r: Run) => number) => (median(theirs.map(f)) / median(mine.map(f))).toFixed(2);
      const same = mine.every((r, i) => withoutTiming(r.results) === withoutTiming(theirs[i]!.results));
      console.log(`  speed-up ${speedup((r) => r.wall)}× wall, ${speedup((r) => r.cpu)}× CPU; results.json apart from timing: ${same ? 'identical' : 'DIFFERENT'}   (load average after: ${load()})`);
    } else console.log(`  ${summary(mine)}   (load average after: ${load()})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
