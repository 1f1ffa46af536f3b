/**
 * Wall time and peak RSS of a whole CLI run of an experiment (node start,
 * module loading, every run, the files written), as a user sees it: runs
 * `node apps/quote-driver/dist/cli.js run <experiment> --quiet` N times, one
 * after the other, and prints each run and the medians. Prints figures,
 * asserts nothing; the machine's load average is printed alongside, since
 * other work on it shows in the figures.
 *
 *   node --import tsx scripts/time-experiment.ts [experiment.yaml] [runs]   (default: experiments/seed-thread.yaml, 5)
 *   pnpm time:seed                                                          (builds the CLI first)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'apps/quote-driver/dist/cli.js');
const [experiment = 'experiments/seed-thread.yaml', runsArg = '5'] = process.argv.slice(2);
const runs = Number(runsArg);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`time-experiment: runs must be a positive integer, got "${runsArg}"`);
  process.exit(2);
}

// The child reports its own peak RSS (getrusage ru_maxrss, KiB) on exit: Node cannot read a child's rusage.
const reportRss = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.TIME_EXPERIMENT_RSS_FILE, String(process.resourceUsage().maxRSS)));",
)}`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const dir = mkdtempSync(path.join(tmpdir(), 'time-experiment-'));
const walls: number[] = [];
const rssMiB: number[] = [];
try {
  console.log(`${experiment}, ${runs} runs of: node ${path.relative(root, cli)} run ${experiment} --quiet   (load average before: ${load()})`);
  for (let i = 0; i < runs; i++) {
    const rssFile = path.join(dir, `rss-${i}`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', reportRss, cli, 'run', experiment, '--out', path.join(dir, `out-${i}`), '--quiet'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TIME_EXPERIMENT_RSS_FILE: rssFile },
    });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      console.error(`time-experiment: run ${i + 1} exited with ${r.status ?? r.signal}: ${r.stderr.toString().trim().split('\n')[0] ?? ''}`);
      process.exit(1);
    }
    walls.push(wall);
    rssMiB.push(Number(readFileSync(rssFile, 'utf8')) / 1024);
    console.log(`  run ${i + 1}: ${wall.toFixed(2)} s, peak RSS ${rssMiB[i]!.toFixed(0)} MiB`);
  }
  console.log(`median wall ${median(walls).toFixed(2)} s (min ${Math.min(...walls).toFixed(2)}, max ${Math.max(...walls).toFixed(2)}), median peak RSS ${median(rssMiB).toFixed(0)} MiB   (load average after: ${load()})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
