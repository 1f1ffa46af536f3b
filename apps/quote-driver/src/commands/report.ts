import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from '../command.js';
import { EXIT } from '../io.js';
import { renderHtml, renderTable, writeAtomic } from '../experiment/render.js';
import type { ExperimentResults } from '../experiment/runner.js';

/** `tdx-shbuf report <dir>`: re-render report.html and print the table from results.json. */
export const reportCommand: Command = {
  name: 'report',
  usage: 'report <dir>                                         re-render report.html from <dir>/results.json',
  run(argv, io) {
    if (argv.length !== 1 || argv[0]!.startsWith('-')) {
      io.stderr('tdx-shbuf report: expected exactly one results folder\n');
      return EXIT.USAGE;
    }
    const file = path.join(argv[0]!, 'results.json');
    let res: ExperimentResults;
    try {
      res = JSON.parse(readFileSync(file, 'utf8')) as ExperimentResults;
      if (!Array.isArray(res.rows) || typeof res.name !== 'string') throw new Error('not a tdx-shbuf results file');
    } catch (e) {
      io.stderr(`tdx-shbuf report: ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.USAGE;
    }
    io.stdout(renderTable(res));
    const out = path.join(argv[0]!, 'report.html');
    writeAtomic(out, renderHtml(res));
    io.stdout(`wrote ${out}\n`);
    return EXIT.OK;
  },
};
