/** `tdx-shbuf report <dir>`: re-render report.html and print the table from results.json. */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineCommand } from '../command.js';
import { errorCode, EXIT, type CliIo } from '../io.js';
import { writeAtomic } from '../atomic-write.js';
import { renderSensitivity } from '../experiment/render-sensitivity.js';
import type { ExperimentResults } from '../experiment/results.js';
import { escapeHtml } from '../report/escape.js';
import { renderHtml } from '../report/html.js';
import { parseResults, type ReportResults } from '../report/results-shape.js';
import { renderTable } from '../report/terminal.js';

/** A standalone chart names itself: its title as the SVG's first child (the page gives it an <h3> instead). */
const withTitle = (svg: string, title: string) => svg.replace(/^(<svg[^>]*>)/, `$1<title>${escapeHtml(title)}</title>`);

interface ReportOptions {
  svg?: string;
}

async function run([dir]: string[], options: ReportOptions, io: CliIo): Promise<number> {
  if (dir === undefined) {
    io.stderr('tdx-shbuf report: missing <dir>\n');
    return EXIT.USAGE;
  }
  const file = path.join(dir, 'results.json');
  let res: ReportResults;
  try {
    res = parseResults(readFileSync(file, 'utf8'));
  } catch (e) {
    io.stderr(`tdx-shbuf report: ${file}: ${e instanceof Error && !('code' in e) ? e.message : errorCode(e)}\n`);
    return EXIT.USAGE;
  }
  io.stdout(renderTable(res));
  // a v2 file is what the runner wrote (docs/results-format.md): its sensitivity has the runner's shape
  if (res.schemaVersion === 2 && res.sensitivity) io.stdout(`\n${renderSensitivity(res as unknown as ExperimentResults)}`);
  const charts: { id: string; title: string; svg: string }[] = [];
  const html = await renderHtml(res, { onChart: (c) => charts.push(c) });
  if (options.svg !== undefined) {
    try {
      mkdirSync(options.svg, { recursive: true });
      for (const c of charts) writeAtomic(path.join(options.svg, `${c.id}.svg`), `${withTitle(c.svg, c.title)}\n`);
    } catch (e) {
      io.stderr(`tdx-shbuf report: --svg ${options.svg}: ${errorCode(e)}\n`);
      return EXIT.USAGE;
    }
    io.stdout(`wrote ${charts.length} chart(s) to ${options.svg}: ${charts.map((c) => `${c.id}.svg`).join(', ')}\n`);
  }
  const out = path.join(dir, 'report.html');
  try {
    writeAtomic(out, html);
  } catch (e) {
    io.stderr(`tdx-shbuf report: cannot write ${out}: ${errorCode(e)}\n`);
    return EXIT.USAGE;
  }
  io.stdout(`wrote ${out}\n`);
  return EXIT.OK;
}

/** The `report` subcommand. */
export const reportCommand = defineCommand<ReportOptions>({
  name: 'report',
  arguments: '<dir>',
  summary: 're-render <dir>/report.html and print the table from <dir>/results.json (schema v1 or v2)',
  options: (cmd) => {
    cmd.option('--svg <dir>', 'also write every chart as a standalone SVG file, <dir>/<chart id>.svg (for slides, papers, READMEs)');
  },
  helpAfter: 'Example:\n  tdx-shbuf report runs/seed-thread --svg docs/img/seed-thread',
  run,
});
