/** `tdx-shbuf report <dir>`: re-render report.html and print the table from results.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { renderHtml, renderTable, writeAtomic } from '../experiment/render.js';
import type { ExperimentResults } from '../experiment/runner.js';

function run([dir]: string[], _options: Record<string, never>, io: CliIo): number {
  if (dir === undefined) {
    io.stderr('tdx-shbuf report: missing <dir>\n');
    return EXIT.USAGE;
  }
  const file = path.join(dir, 'results.json');
  let res: ExperimentResults;
  try {
    res = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResults;
    if (!Array.isArray(res.rows) || typeof res.name !== 'string') throw new Error('not a tdx-shbuf results file');
  } catch (e) {
    io.stderr(`tdx-shbuf report: ${file}: ${errorCode(e)}\n`);
    return EXIT.USAGE;
  }
  io.stdout(renderTable(res));
  const out = path.join(dir, 'report.html');
  writeAtomic(out, renderHtml(res));
  io.stdout(`wrote ${out}\n`);
  return EXIT.OK;
}

/** The `report` subcommand. */
export const reportCommand = defineCommand<Record<string, never>>({
  name: 'report',
  arguments: '<dir>',
  summary: 're-render <dir>/report.html and print the table from <dir>/results.json',
  options: () => {},
  run,
});
