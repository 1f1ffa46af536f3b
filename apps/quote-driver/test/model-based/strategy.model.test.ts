/**
 * Model-based property tests at the strategy level (issue 13 item 7): for every
 * first-party strategy, MODEL_RUNS random sequences of 100–140 steps (shared by
 * its variants) under random fault plans; invariants and page accounting
 * checked after every step; a failure shrinks to a minimal replayable
 * sequence (README.md beside this file).
 */
import { afterAll, describe, it } from 'vitest';
import { RUNS, runModel, share, strategyName, Totals } from './harness.js';
import { MODEL_STRATEGIES, prepareStrategy, runStrategySequence, strategyInputArb } from './strategy-model.js';

const totals = new Totals();
afterAll(() => totals.print('strategy'));

describe('model-based: strategy sequences under random fault plans', () => {
  for (const s of MODEL_STRATEGIES) {
    const name = strategyName(s.spec);
    const variants = MODEL_STRATEGIES.filter((x) => strategyName(x.spec) === name);
    const runs = share(RUNS, variants.length, variants.indexOf(s));
    it(
      `${s.label} (${runs} sequences)`,
      async () => {
        const p = await prepareStrategy(s);
        totals.add(name, await runModel(`strategy ${s.label}`, strategyInputArb, (input, tally) => runStrategySequence(p, input, tally), runs));
      },
      60_000 + runs * 2_000,
    );
  }
});
