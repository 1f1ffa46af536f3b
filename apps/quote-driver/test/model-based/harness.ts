/**
 * The model-based property tests' harness: how many sequences, of how many
 * steps, from which seed; a sequence arbitrary that is generated long and
 * shrinks short; the run that prints its counts and, on failure, the
 * minimal replayable counterexample (README.md beside this file).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { Machine } from '@tdx-shbuf/core';

const int = (name: string, def: number) => {
  const raw = process.env[name];
  const v = raw === undefined || raw === '' ? def : Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${raw})`);
  return v;
};

/**
 * Sequences per strategy: MODEL_RUNS (default 20 for `pnpm test`; CI sets 1000),
 * shared evenly by its variants (and, for the driver, both check levels).
 */
export const RUNS = int('MODEL_RUNS', 20);

/** This part's share of `total` runs split over `parts` (the first ones take the remainder). */
export const share = (total: number, parts: number, index: number) => Math.floor(total / parts) + (index < total % parts ? 1 : 0);

/** The package name of a strategy spec: what the per-strategy totals add up by. */
export const strategyName = (spec: unknown) => (typeof spec === 'string' ? spec : Array.isArray(spec) ? String(spec[0]) : String(spec));
/** Steps per sequence when generated: MODEL_MIN_STEPS to MODEL_MAX_STEPS (100 to 140). */
export const MIN_STEPS = int('MODEL_MIN_STEPS', 100);
export const MAX_STEPS = Math.max(MIN_STEPS, int('MODEL_MAX_STEPS', 140));
/** Replay one failure: MODEL_SEED and MODEL_PATH as fast-check printed them. */
const SEED = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const PATH = process.env.MODEL_PATH;

/**
 * A command sequence generated with MIN_STEPS to MAX_STEPS steps that shrinks
 * to any length (fast-check's array shrinker never goes below its minLength,
 * so generation and shrinking use two arrays of the same items).
 */
export function sequenceOf<T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  const gen = fc.array(item, { minLength: MIN_STEPS, maxLength: MAX_STEPS });
  const shrinkable = fc.array(item, { maxLength: MAX_STEPS });
  return new (class extends fc.Arbitrary<T[]> {
    generate(mrng: fc.Random, bias: number | undefined): fc.Value<T[]> {
      return new fc.Value(gen.generate(mrng, bias).value, undefined);
    }
    canShrinkWithoutContext(v: unknown): v is T[] {
      return shrinkable.canShrinkWithoutContext(v);
    }
    shrink(v: T[], ctx: unknown): fc.Stream<fc.Value<T[]>> {
      return shrinkable.shrink(v, ctx);
    }
  })();
}

/** What every sequence of one run added up to. */
export interface Tally {
  sequences: number;
  steps: number;
  minSteps: number;
  maxSteps: number;
  /** Outcomes by kind (errno names, `verified`, `leaked pages`…), summed. */
  outcomes: Record<string, number>;
}

export const newTally = (): Tally => ({ sequences: 0, steps: 0, minSteps: Number.POSITIVE_INFINITY, maxSteps: 0, outcomes: {} });
export const count = (t: Tally, what: string, n = 1) => {
  t.outcomes[what] = (t.outcomes[what] ?? 0) + n;
};

/**
 * Run `RUNS` sequences of `prop` with fast-check; print
 * `model-based: <label> N sequences × a–b steps (S steps; outcomes) in T s`,
 * and on a failure fail the test with fast-check's report: the shrunk
 * sequence and the seed and path that replay it (the counts then include the
 * shrinking runs).
 */
export async function runModel<T>(label: string, arb: fc.Arbitrary<T>, prop: (input: T, tally: Tally) => Promise<void>, runs = RUNS, tally = newTally()): Promise<Tally & { seconds: number }> {
  const t0 = performance.now();
  const details = await fc.check(
    fc.asyncProperty(arb, async (input) => {
      const before = tally.steps;
      await prop(input, tally);
      tally.sequences++;
      const n = tally.steps - before;
      tally.minSteps = Math.min(tally.minSteps, n);
      tally.maxSteps = Math.max(tally.maxSteps, n);
    }),
    { numRuns: runs, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH, endOnFailure: true } : {}) },
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(tallyLine(label, tally, seconds));
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    expect.fail(
      `${label}: ${error}\n${fc.defaultReportMessage(details) ?? 'property failed'}\nReplay: MODEL_SEED=${details.seed} MODEL_PATH="${details.counterexamplePath}" (test/model-based/README.md)`,
    );
  }
  return { ...tally, seconds };
}

/** `model-based: <label> N sequences × a–b steps (S steps; outcomes) in T s`. */
export function tallyLine(label: string, t: Tally, seconds: number): string {
  const outcomes = Object.entries(t.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const range = t.sequences ? `${t.minSteps}–${t.maxSteps}` : '0';
  return `model-based: ${label} ${t.sequences} sequences × ${range} steps (${t.steps} steps; ${outcomes}) in ${seconds.toFixed(1)} s`;
}

/** Per-strategy totals of one test file, printed once at its end. */
export class Totals {
  private readonly by = new Map<string, { tally: Tally; seconds: number }>();
  add(name: string, t: Tally & { seconds: number }): void {
    const cur = this.by.get(name) ?? { tally: newTally(), seconds: 0 };
    cur.tally.sequences += t.sequences;
    cur.tally.steps += t.steps;
    cur.tally.minSteps = Math.min(cur.tally.minSteps, t.minSteps);
    cur.tally.maxSteps = Math.max(cur.tally.maxSteps, t.maxSteps);
    for (const [k, v] of Object.entries(t.outcomes)) count(cur.tally, k, v);
    cur.seconds += t.seconds;
    this.by.set(name, cur);
  }
  print(level: string): void {
    for (const [name, { tally, seconds }] of this.by) console.log(tallyLine(`${level} ${name} (all variants)`, tally, seconds));
  }
}

/**
 * After every step: no invariant broke (1–7, and any the model adds; `allowed`
 * names the breaches a test expects, such as v6.7's), and the audit places every page — no page lost, the classes add up to RAM, the
 * leaked class is what the counter says, nothing shared in the free pool, and
 * the shared classes add up to the shared-page gauge.
 */
export function checkMachine(m: Machine, where: string, allowed: (v: Machine['violations'][number]) => boolean = () => false): void {
  const bad = m.violations.find((v) => !allowed(v));
  if (bad) {
    const v = bad;
    throw new Error(`${where}: invariant ${v.invariant} violated at pfn ${v.pfn}+${v.pages} (${v.task}): ${v.message}`);
  }
  const a = m.audit();
  if (a.lost.length) throw new Error(`${where}: pages the audit cannot place: ${a.lost.map((l) => `${l.problem} (pfn ${l.pfn}, ${l.pages} pages)`).join('; ')}`);
  const sum = Object.values(a.pages).reduce((x, y) => x + y, 0);
  if (sum !== a.ramPages) throw new Error(`${where}: page classes add up to ${sum}, RAM is ${a.ramPages} pages`);
  if (a.pages.leaked !== m.counters.leakedPages) throw new Error(`${where}: ${a.pages.leaked} pages owned as leaked, counter says ${m.counters.leakedPages}`);
  const shared = Object.values(a.shared).reduce((x, y) => x + y, 0);
  if (shared !== m.counters.sharedPages) throw new Error(`${where}: ${shared} shared pages in the audit, the gauge says ${m.counters.sharedPages}`);
}
