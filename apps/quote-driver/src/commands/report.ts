/** `tdx-shbuf report <dir>`: re-render report.html and print the table from results.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { writeAtomic } from '../experiment/render.js';
import { renderHtml } from '../report/html.js';
import { parseResults, type ReportResults } from '../report/results-shape.js';
import { renderTable } from '../report/terminal.js';

async function run([dir]: string[], _options: Record<string, never>, io: CliIo): Promise<number> {
  if (dir === undefined) {
    io.stderr('tdx-shbuf report: missing <dir>\n');
    return EXIT.USAGE;
  }
  const file = path.join(dir, 'results.json');
  let res: ReportResults;
  try {
    res = parseResults(readFileSync(file, 'utf8'));
  } catch (e) {
    io.stderr(`tdx-shbuf report: ${file}: ${errorCode(e)}\n`);
    return EXIT.USAGE;
  }
  io.stdout(renderTable(res));
  const out = path.join(dir, 'report.html');
  writeAtomic(out, await renderHtml(res));
  io.stdout(`wrote ${out}\n`);
  return EXIT.OK;
}

/** The `report` subcommand. */
export const reportCommand = defineCommand<Record<string, never>>({
  name: 'report',
  arguments: '<dir>',
  summary: 're-render <dir>/report.html and print the table from <dir>/results.json (schema v1 or v2)',
  options: () => {},
  run,
});
