/** What `run` and `merge` share: printing the tables, writing the folder, the exit code a results file owes, and one-line errors. */
import { ConfigError } from '@tdx-shbuf/core';
import { EXIT, errorCode, type CliIo } from '../io.js';
import { ExperimentError } from '../experiment/matrix.js';
import { renderTable, writeReport } from '../experiment/render.js';
import { renderSensitivity } from '../experiment/render-sensitivity.js';
import type { ExperimentResults } from '../experiment/results.js';

/** Print the table (and sensitivity), write the output folder, say what is wrong; exit 1 on errors the experiment does not expect or any invariant violation. */
export async function finish(cmd: string, results: ExperimentResults, out: string, io: CliIo): Promise<number> {
  io.stdout(`\n${results.name}: ${results.description}\n\n${renderTable(results)}\n`);
  if (results.sensitivity) io.stdout(`${renderSensitivity(results)}\n`);
  let files: string[];
  try {
    files = await writeReport(out, results);
  } catch (e) {
    io.stderr(`tdx-shbuf ${cmd}: cannot write ${out}: ${errorCode(e)}\n`);
    return EXIT.CHECK_FAILED;
  }
  io.stdout(`wrote ${files.join(', ')}\n`);
  const unexpected = results.rows.filter((r) => r.errorsUnexpected);
  const violations = results.rows.reduce((n, r) => n + Object.values(r.violations).reduce((a, b) => a + b, 0), 0);
  if (unexpected.length) io.stderr(`tdx-shbuf ${cmd}: ${unexpected.length} run(s) had errors the experiment does not expect (marked ! in the table; declare expected ones with expectErrors)\n`);
  if (violations) io.stderr(`tdx-shbuf ${cmd}: ${violations} invariant violation(s) — see results.json\n`);
  return unexpected.length || violations ? EXIT.CHECK_FAILED : EXIT.OK;
}

/** A user error (exit 2) in one line, or a bug (exit 1) in one line with the stack under DEBUG=tdx-shbuf. */
export function reportFailure(cmd: string, e: unknown, io: CliIo): number {
  if (e instanceof ExperimentError || e instanceof ConfigError) {
    io.stderr(`tdx-shbuf ${cmd}: ${e.message}\n`);
    return EXIT.USAGE;
  }
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  io.stderr(`tdx-shbuf ${cmd}: internal error: ${msg} (run with DEBUG=tdx-shbuf for the stack)\n`);
  if (/(^|,)\s*tdx-shbuf\s*(,|$)/.test(process.env.DEBUG ?? '') && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
  return EXIT.CHECK_FAILED;
}
