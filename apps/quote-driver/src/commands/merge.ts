/** `tdx-shbuf merge <dirs…> --out dir`: put the shards of one experiment back together. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { EXIT, errorCode, type CliIo } from '../io.js';
import { ExperimentError } from '../experiment/matrix.js';
import { checkOutDir } from '../experiment/out-dir.js';
import type { ExperimentResults } from '../experiment/results.js';
import { mergeShards } from '../experiment/shard.js';
import { finish, reportFailure } from './run-output.js';

/** Read `<dir>/results.json`; ExperimentError naming the file when it is missing or not a results file. */
export function readResults(dir: string): ExperimentResults {
  const file = path.join(dir, 'results.json');
  let res: ExperimentResults;
  try {
    res = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResults;
  } catch (e) {
    throw new ExperimentError(`${file}: ${e instanceof SyntaxError ? 'not JSON' : errorCode(e)}`);
  }
  if (!res || typeof res !== 'object' || !Array.isArray(res.rows) || typeof res.name !== 'string') throw new ExperimentError(`${file}: not a tdx-shbuf results file`);
  if (res.schemaVersion !== 2) throw new ExperimentError(`${file}: results schema version ${String(res.schemaVersion ?? 1)}; this tdx-shbuf reads version 2 (run the experiment again)`);
  return res;
}

async function run(dirs: string[], options: { out?: string }, io: CliIo): Promise<number> {
  if (!dirs.length) {
    io.stderr('tdx-shbuf merge: missing <dirs…>\n');
    return EXIT.USAGE;
  }
  if (options.out === undefined) {
    io.stderr('tdx-shbuf merge: missing --out <dir>\n');
    return EXIT.USAGE;
  }
  try {
    const merged = mergeShards(dirs.map((d) => ({ where: d, results: readResults(d) })));
    checkOutDir(options.out);
    return await finish('merge', merged, options.out, io);
  } catch (e) {
    return reportFailure('merge', e, io);
  }
}

/** The `merge` subcommand. */
export const mergeCommand = defineCommand<{ out?: string }>({
  name: 'merge',
  arguments: '<dirs...>',
  summary: 'combine the output folders of `run --shard k/n` into the results.json and report an unsharded run writes',
  options: (cmd) => {
    cmd.option('--out <dir>', 'output folder for the merged results (required)');
  },
  helpAfter: 'Example:\n  tdx-shbuf merge runs/sweep-1 runs/sweep-2 runs/sweep-3 --out runs/sweep\n\nThe shards must be of the same experiment (same file, same tdx-shbuf), all of them, each once.',
  run,
});
