import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { costParamsSchema, defaultCostParams } from '../src/index.js';
import { costParameterRows, renderCostParametersMarkdown } from '../scripts/cost-docs.js';

const DOC = fileURLToPath(new URL('../../../docs/cost-parameters.md', import.meta.url));

describe('docs/cost-parameters.md', () => {
  it('equals a fresh generation (run `pnpm --filter @tdx-shbuf/core gen:cost-docs` after changing the cost model)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderCostParametersMarkdown());
  });

  it('lists every parameter of the schema once, with its default, a unit and a described source', () => {
    const rows = costParameterRows();
    expect(rows.map((r) => r.name)).toEqual(Object.keys(costParamsSchema.shape));
    for (const r of rows) {
      expect(r.default, r.name).toBe(defaultCostParams[r.name]);
      expect(r.unit, r.name).not.toBe('');
      expect(r.description.length, `${r.name} description`).toBeGreaterThan(20);
    }
  });

  it('marks as proxies, derivations and assumptions the parameters whose descriptions say so', () => {
    for (const r of costParameterRows()) {
      if (/\bproxy\b/i.test(r.description)) expect(r.confidence, r.name).toBe('proxy');
      if (r.confidence === 'assumption') expect(r.description, r.name).toMatch(/assumption|not found|not in docs|not charged|low end/i);
      if (r.confidence === 'derived') expect(r.description, r.name).toMatch(/deriv|same source/i);
    }
    // the ones docs/model.md §8 has no source for are not passed off as sourced
    const kinds = Object.fromEntries(costParameterRows().map((r) => [r.name, r.confidence]));
    expect(kinds).toMatchObject({ cpuGHz: 'assumption', acceptPer1gNs: 'derived', tlbFlushFullNs: 'derived', pageAllocNs: 'assumption' });
  });
});
