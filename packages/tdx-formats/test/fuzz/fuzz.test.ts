/**
 * Structure-aware fuzzing in CI: $FUZZ_CASES quote cases (default 20,000)
 * plus a tenth as many TDREPORT cases, from a fixed seed, through the oracle
 * of oracle.ts. A finding prints the case (index, mutations, input as base64)
 * to reproduce it: `pnpm --filter @tdx-shbuf/tdx-formats fuzz -- --seed ci --cases <n>`.
 */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './engine.js';

const QUOTE_CASES = Number(process.env.FUZZ_CASES ?? 20_000);
if (!Number.isInteger(QUOTE_CASES) || QUOTE_CASES < 1) throw new Error(`FUZZ_CASES must be a positive integer, got ${process.env.FUZZ_CASES}`);

describe('structure-aware fuzzing', () => {
  it(`${QUOTE_CASES} quote and ${Math.round(QUOTE_CASES / 10)} TDREPORT cases: nothing crashes, nothing changed is verified`, () => {
    const s = runFuzz({ seed: 'ci', quoteCases: QUOTE_CASES, tdreportCases: Math.round(QUOTE_CASES / 10) });
    const total = s.quoteCases + s.tdreportCases;
    console.log(
      `structure-aware fuzz: ${total} cases (${s.quoteCases} quotes, ${s.tdreportCases} TDREPORTs) in ${(s.ms / 1000).toFixed(1)} s, ` +
        `${Math.round((total / s.ms) * 1000)} cases/s; outcomes ${JSON.stringify(s.outcomes)}; ${s.findings.length} findings`,
    );
    expect(s.findings.map((f) => `case ${f.index} ${f.target} [${f.ops.join(', ')}]: ${f.message}\n${Buffer.from(f.input).toString('base64')}`)).toEqual([]);
    // the run reaches every outcome and many distinct rejections, or it is not exercising the code
    expect(s.quoteCases).toBe(QUOTE_CASES);
    for (const outcome of ['format-error', 'failed', 'verified', 'consistent'] as const) expect(s.outcomes[outcome]).toBeGreaterThan(QUOTE_CASES / 200);
    if (QUOTE_CASES >= 10_000) {
      expect(Object.keys(s.errorFields).length).toBeGreaterThanOrEqual(15);
      expect(Object.keys(s.failureKinds).length).toBeGreaterThanOrEqual(30);
      const families = { 'der-': 15, 'pem-': 10, 'list-': 5, 'raw-': 10, 'ecdsa-': 2, 'tdreport-': 10 };
      for (const [family, kinds] of Object.entries(families)) expect(Object.keys(s.ops).filter((k) => k.startsWith(family)).length, family).toBeGreaterThanOrEqual(kinds);
    }
  }, 300_000);
});
