import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageState } from '@tdx-shbuf/core';
import { mapGpa, MAX_RETRIES_PER_PAGE } from './map-gpa.js';
import { must, strategyRig as rig } from '@tdx-shbuf/conformance';
import strategy from './index.js';

/** Four MiB of fresh pages (two MapGPA chunks), private, for the protocol tests. */
function fourMiB() {
  const r = rig(strategy);
  const pfn = must(r.kernel.allocPages(10));
  const start = pfn * PAGE_SIZE + r.kernel.sharedBit;
  return { r, pfn, start, end: start + 4 * 2 ** 20 };
}

describe('the tdx_map_gpa() RETRY protocol, open-coded on TDVMCALL<MapGPA>', () => {
  it('resumes from r11 after a RETRY with progress', () => {
    const { r, pfn, start, end } = fourMiB();
    r.m.faults.mapGpa({ kind: 'retry' });
    const d = r.mark();
    expect(mapGpa(r.kernel, start, end)).toEqual({ ok: true });
    expect(d()).toMatchObject({ mapGpaCalls: 2, mapGpaRetries: 1, pagesConvertedToShared: 1024 });
    expect(r.m.page(pfn + 1023).state).toBe(PageState.Shared);
  });

  it('progress resets the counter: RETRY, RETRY, RETRY-with-progress, RETRY, RETRY still succeeds', () => {
    const { r, start, end } = fourMiB();
    r.m.faults.mapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    const d = r.mark();
    expect(mapGpa(r.kernel, start, end).ok).toBe(true);
    expect(d()).toMatchObject({ mapGpaCalls: 6, mapGpaRetries: 5, pagesConvertedToShared: 1024 });
  });

  it(`gives up after ${MAX_RETRIES_PER_PAGE} RETRYs without progress`, () => {
    const { r, start, end } = fourMiB();
    r.m.faults.mapGpa(...Array.from({ length: MAX_RETRIES_PER_PAGE }, () => ({ kind: 'retry-no-progress' as const })));
    const d = r.mark();
    const out = mapGpa(r.kernel, start, end);
    expect(out.ok).toBe(false);
    expect(out.ok ? '' : out.why).toMatch(/3 RETRYs without progress/);
    expect(d()).toMatchObject({ mapGpaCalls: 3, pagesConvertedToShared: 0 });
  });

  it('rejects an r11 outside [start, end) at once', () => {
    const { r, start, end } = fourMiB();
    r.m.faults.mapGpa({ kind: 'retry-out-of-range' });
    const d = r.mark();
    const out = mapGpa(r.kernel, start, end);
    expect(out.ok ? '' : out.why).toMatch(/outside/);
    expect(d().mapGpaCalls).toBe(1);
  });

  it('fails on an error status (INVALID_OPERAND)', () => {
    const { r, start, end } = fourMiB();
    r.m.faults.mapGpa({ kind: 'error' });
    expect(mapGpa(r.kernel, start, end).ok).toBe(false);
  });
});
