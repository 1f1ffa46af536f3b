/** `tdx-shbuf report <dir>`: re-render report.html and print the table from results.json. */
import path from 'node:path';
import { defineCommand } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { renderHtml, renderTable, writeAtomic } from '../experiment/render.js';
import { renderSensitivity } from '../experiment/render-sensitivity.js';
import { readResults } from './merge.js';
import { reportFailure } from './run-output.js';

function run([dir]: string[], _options: Record<string, never>, io: CliIo): number {
  if (dir === undefined) {
    io.stderr('tdx-shbuf report: missing <dir>\n');
    return EXIT.USAGE;
  }
  try {
    const res = readResults(dir);
    io.stdout(renderTable(res));
    if (res.sensitivity) io.stdout(`\n${renderSensitivity(res)}`);
    const out = path.join(dir, 'report.html');
    writeAtomic(out, renderHtml(res));
    io.stdout(`wrote ${out}\n`);
    return EXIT.OK;
  } catch (e) {
    return reportFailure('report', e, io);
  }
}

/** The `report` subcommand. */
export const reportCommand = defineCommand<Record<string, never>>({
  name: 'report',
  arguments: '<dir>',
  summary: 're-render <dir>/report.html and print the table from <dir>/results.json',
  options: () => {},
  run,
});
