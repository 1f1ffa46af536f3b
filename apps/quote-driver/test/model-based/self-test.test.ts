/**
 * The model-based tests can fail, and a failure shrinks to a short sequence:
 * a strategy that frees pages still shared (invariant 1) and the v6.7 driver
 * judged by what v7.0 promises are both caught.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runModel } from './harness.js';
import { prepareStrategy, runStrategySequence, strategyInputArb } from './strategy-model.js';
import { driverInputArb, runDriverSequence } from './driver-model.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/frees-shared-strategy.ts');

/** The counterexample fast-check printed, as the JSON array of steps. */
function counterexampleSteps(message: string): unknown[] {
  const m = /Counterexample: \[(.*)\]\n/.exec(message);
  expect(m, message).not.toBeNull();
  return (JSON.parse(m![1]!) as { cmds: unknown[] }).cmds;
}

describe('model-based self-test', () => {
  it('a strategy that frees shared pages fails at the first free, shrunk to alloc + free', async () => {
    const p = await prepareStrategy({ label: 'frees-shared fixture', spec: FIXTURE });
    const e = await runModel('self-test strategy', strategyInputArb, (input, tally) => runStrategySequence(p, input, tally), 30).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e!.message).toMatch(/invariant 1 violated|shared page in the free pool/);
    expect(e!.message).toMatch(/Replay: MODEL_SEED=-?\d+ MODEL_PATH="[\d:]+"/);
    const steps = counterexampleSteps(e!.message);
    expect(steps.length).toBeLessThanOrEqual(2);
    expect(steps.map((s) => (s as { op: string }).op)).toContain('alloc');
  });

  it("the v6.7 driver does not keep v7.0's promises: caught and shrunk to a few steps", async () => {
    const e = await runModel('self-test driver', driverInputArb, (input, tally) => runDriverSequence('direct-map', false, 'v6.7', input, tally, 0, 'v7.0'), 30).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e).toBeInstanceOf(Error);
    expect(counterexampleSteps(e!.message).length).toBeLessThanOrEqual(4);
  });
});
