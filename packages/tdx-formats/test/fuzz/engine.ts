/**
 * Runs fuzz cases: case `i` of seed `s` uses its own PRNG stream `s/i`, so any
 * case can be replayed alone. Most cases mutate a quote; a share mutate a
 * TDREPORT. Verification options vary too (dates unchecked, a time outside
 * every validity period).
 */
import { mutateQuote } from './mutate-quote.js';
import { mutateTdReport } from './mutate-tdreport.js';
import { checkQuote, checkTdReport, type CaseResult, type Outcome } from './oracle.js';
import { Rng } from './rng.js';
import { FOREIGN_CERTIFICATES, QUOTE_TARGETS, TDREPORT_TARGETS } from './targets.js';

export interface Finding {
  target: string;
  index: number;
  ops: string[];
  message: string;
  input: Uint8Array;
}

export interface FuzzStats {
  quoteCases: number;
  tdreportCases: number;
  outcomes: Record<Outcome, number>;
  /** How often each mutation ran. */
  ops: Record<string, number>;
  /** FormatError fields seen (where parsing stopped). */
  errorFields: Record<string, number>;
  /** Distinct first failure sentences of failed verifications (digits folded). */
  failureKinds: Record<string, number>;
  findings: Finding[];
  ms: number;
}

export interface FuzzOptions {
  seed: string;
  quoteCases: number;
  tdreportCases: number;
  /** Stop collecting after this many findings (default 20). */
  maxFindings?: number;
  onFinding?: (f: Finding) => void;
  /** Called every 10,000 cases. */
  onProgress?: (done: number) => void;
}

const count = (m: Record<string, number>, k: string): void => {
  m[k] = (m[k] ?? 0) + 1;
};

export function runFuzz(o: FuzzOptions): FuzzStats {
  const stats: FuzzStats = { quoteCases: 0, tdreportCases: 0, outcomes: { 'format-error': 0, failed: 0, verified: 0, consistent: 0 }, ops: {}, errorFields: {}, failureKinds: {}, findings: [], ms: 0 };
  const start = performance.now();
  const total = o.quoteCases + o.tdreportCases;
  for (let i = 0; i < total; i++) {
    const rng = new Rng(`${o.seed}/${i}`);
    // exactly tdreportCases of the cases, spread evenly
    const isTdReport = Math.floor(((i + 1) * o.tdreportCases) / total) > Math.floor((i * o.tdreportCases) / total);
    let result: CaseResult;
    let target: string;
    let input: Uint8Array;
    let ops: string[];
    if (!isTdReport) {
      const t = rng.pick(QUOTE_TARGETS);
      ({ input, ops } = mutateQuote(rng, t.seed, FOREIGN_CERTIFICATES));
      const opts = rng.chance(0.1) ? { ...t.opts, checkValidity: false } : rng.chance(0.05) ? { ...t.opts, now: new Date('2099-01-01T00:00:00Z') } : t.opts;
      result = checkQuote(input, opts, t.attested);
      target = t.name;
      stats.quoteCases++;
    } else {
      const t = rng.pick(TDREPORT_TARGETS);
      ({ input, ops } = mutateTdReport(rng, t.seed));
      result = checkTdReport(input, t.seed, t.macKey);
      target = t.name;
      stats.tdreportCases++;
    }
    stats.outcomes[result.outcome]++;
    for (const op of ops) count(stats.ops, op);
    if (result.outcome === 'format-error') count(stats.errorFields, result.detail);
    if (result.outcome === 'failed' && result.detail) count(stats.failureKinds, result.detail.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"'));
    if (result.finding && stats.findings.length < (o.maxFindings ?? 20)) {
      const f = { target, index: i, ops, message: result.finding, input };
      stats.findings.push(f);
      o.onFinding?.(f);
    }
    if ((i + 1) % 10_000 === 0) o.onProgress?.(i + 1);
  }
  stats.ms = performance.now() - start;
  return stats;
}
