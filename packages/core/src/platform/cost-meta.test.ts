import { describe, expect, it } from 'vitest';
import { costParamsSchema, defaultCostParams } from './cost.js';
import { COST_PARAM_META } from './cost-meta.js';

describe('COST_PARAM_META', () => {
  it('gives every cost parameter a unit, a confidence and a range, and nothing else', () => {
    expect(Object.keys(COST_PARAM_META).sort()).toEqual(Object.keys(costParamsSchema.shape).sort());
  });

  it('brackets each default, and every range validates against the schema', () => {
    for (const [name, { unit, range: r }] of Object.entries(COST_PARAM_META)) {
      expect(unit.length, name).toBeGreaterThan(0);
      const def = defaultCostParams[name as keyof typeof defaultCostParams];
      expect(r.low, name).toBeLessThanOrEqual(def);
      expect(r.high, name).toBeGreaterThanOrEqual(def);
      expect(r.note.length, name).toBeGreaterThan(10);
      if (r.basis === 'fixed') expect([r.low, r.high], name).toEqual([def, def]);
      else expect(r.high, name).toBeGreaterThan(r.low);
      for (const v of [r.low, r.high]) expect(costParamsSchema.safeParse({ [name]: v }).success, `${name} = ${v}`).toBe(true);
    }
  });
});
