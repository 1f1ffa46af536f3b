/**
 * The long fuzz run: `pnpm --filter @tdx-shbuf/tdx-formats fuzz -- --cases 1000000 [--seed s] [--tdreport-share 0.1] [--no-save]`.
 * Prints progress, then cases, rate and findings; saves each finding as
 * corpus/found-<target>-<sha256 prefix>.bin (describe it in corpus/README.md:
 * the replay test refuses an undescribed file). Exit 1 when anything was found.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CORPUS_DIR } from './corpus.js';
import { runFuzz } from './engine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    cases: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: `long-${new Date().toISOString().slice(0, 10)}` },
    'tdreport-share': { type: 'string', default: '0.1' },
    'no-save': { type: 'boolean', default: false },
  },
});
const cases = Number(values.cases);
const share = Number(values['tdreport-share']);
if (!Number.isInteger(cases) || cases < 1 || !(share >= 0 && share < 1)) {
  console.error('fuzz: --cases must be a positive integer and --tdreport-share in [0, 1)');
  process.exit(2);
}
const tdreportCases = Math.round(cases * share);
const started = Date.now();
console.log(`fuzz: seed "${values.seed}", ${cases} cases (${cases - tdreportCases} quotes, ${tdreportCases} TDREPORTs)`);
const stats = runFuzz({
  seed: values.seed,
  quoteCases: cases - tdreportCases,
  tdreportCases,
  maxFindings: 100,
  onProgress: (done) => {
    if (done % 100_000 === 0) console.log(`  ${done} cases, ${Math.round(done / ((Date.now() - started) / 1000))} cases/s`);
  },
  onFinding: (f) => {
    const name = `found-${f.target}-${createHash('sha256').update(f.input).digest('hex').slice(0, 12)}.bin`;
    if (!values['no-save']) writeFileSync(path.join(CORPUS_DIR, name), f.input);
    console.log(`  FINDING case ${f.index} (${f.target}; ${f.ops.join(', ')}): ${f.message}${values['no-save'] ? '' : ` → corpus/${name}`}`);
  },
});
const rate = ((stats.quoteCases + stats.tdreportCases) / stats.ms) * 1000;
console.log(`fuzz: ${stats.quoteCases + stats.tdreportCases} cases in ${(stats.ms / 1000).toFixed(1)} s (${Math.round(rate)} cases/s), ${stats.findings.length} findings`);
console.log(
  `  outcomes ${JSON.stringify(stats.outcomes)}; ${Object.keys(stats.ops).length} mutation kinds; ${Object.keys(stats.errorFields).length} FormatError fields; ${Object.keys(stats.failureKinds).length} kinds of failed verification`,
);
process.exitCode = stats.findings.length > 0 ? 1 : 0;
