/**
 * The hostile host, named (issue 13 item 8), on the conversion side: MapGPA
 * RETRY storms with and without progress, RETRYs pointing outside the range,
 * refused conversions and failed accepts. tdx_map_gpa() (arch/x86/coco/tdx/tdx.c)
 * follows RETRY as long as the host makes progress and gives up after three
 * RETRYs without it, or at once on a GPA outside [start, end); set_memory_*()
 * then fails with -EIO and the pages, in an unknown state, are leaked — never
 * freed (invariant 6). With KVM's 2 MiB chunks RETRY only fires between
 * chunks, so the storms run on buffers spanning several: 4 MiB buffers on the
 * strategies directly, and 128 KiB quote buffers behind a host that exits every
 * 16 KiB (the GHCI lets the VMM stop a MapGPA anywhere; KVM stops every 2 MiB).
 */
import { describe, expect, it } from 'vitest';
import { BootError, bootWithStrategy, type MapGpaFault } from '@tdx-shbuf/core';
import { APP_DIR, loadAppStrategy } from '../../src/td.js';
import { bootCase, CHECKS, expectAccounted, PLATFORM, script, STRATEGIES, violationsOf, type StrategyCase } from './strategies.js';

const QUOTE_BUF = 128 * 1024;
const PAGES = QUOTE_BUF / 4096;

/** Boot with platform faults and three requests; or, when the init-time conversion fails, the driver-init error. */
async function threeRequests(s: StrategyCase, checks: (typeof CHECKS)[number], platform: object) {
  try {
    const t = await bootCase(s, checks, { platform, driver: { bufferBytes: QUOTE_BUF } });
    const out = await script(t, 'q', 'q', 'q');
    return { t, out, leaked: t.machine.counters.leakedPages - t.bootCounters.leakedPages };
  } catch (e) {
    if (e instanceof BootError) return { e };
    throw e;
  }
}

const each = (name: string, platform: object, expectFor: (s: StrategyCase) => { out?: string[]; leaked?: number; initErrno?: string; retries?: boolean }) => {
  describe(name, () => {
    for (const s of STRATEGIES) {
      for (const checks of CHECKS) {
        it(`${s.label}, ${checks}`, async () => {
          const want = expectFor(s);
          const r = await threeRequests(s, checks, platform);
          if ('e' in r) {
            expect(want.initErrno, `driver init failed: ${r.e!.message}`).toBeDefined();
            expect([r.e!.code, r.e!.error.code]).toEqual(['driver-init', want.initErrno]);
            return;
          }
          expect(want.initErrno).toBeUndefined();
          expect(r.out).toEqual(want.out);
          expect(r.leaked).toBe(want.leaked);
          if (want.retries !== undefined) expect(r.t.machine.sinceBoot().mapGpaRetries > 0).toBe(want.retries);
          expect(violationsOf(r.t.machine)).toEqual([]);
          expectAccounted(r.t.machine);
        });
      }
    }
  });
};

const verified3 = ['verified', 'verified', 'verified'];
const eio3 = ['EIO', 'EIO', 'EIO'];

each(
  'a MapGPA RETRY storm with progress (an interrupt pending after every 16 KiB exit): followed to the end, nothing fails or leaks',
  { cost: { mapGpaChunkBytes: 16384 }, faults: { mapGpaInterruptRate: 1 } },
  (s) => ({
    out: verified3,
    leaked: 0,
    retries: s.converts !== 'never',
  }),
);

each('MapGPA RETRY without progress: three in a row and tdx_map_gpa() gives up (EIO); the pages are leaked', { faults: { mapGpaNoProgressRate: 1 } }, (s) =>
  s.converts === 'init' ? { initErrno: s.initErrno! } : s.converts === 'request' ? { out: eio3, leaked: 3 * PAGES } : { out: verified3, leaked: 0 },
);

each('MapGPA RETRY with a GPA outside [start, end): rejected at once (EIO); the pages are leaked', { faults: { mapGpaOutOfRangeRate: 1 } }, (s) =>
  s.converts === 'init' ? { initErrno: s.initErrno! } : s.converts === 'request' ? { out: eio3, leaked: 3 * PAGES } : { out: verified3, leaked: 0 },
);

each('refused conversions (MapGPA INVALID_OPERAND): EIO; the pages are leaked', { faults: { mapGpaFailRate: 1 } }, (s) =>
  s.converts === 'init' ? { initErrno: s.initErrno! } : s.converts === 'request' ? { out: eio3, leaked: 3 * PAGES } : { out: verified3, leaked: 0 },
);

each("accepts that fail on the way back to private: the quote is served, the buffer's pages are leaked at free", { faults: { acceptFailRate: 1 } }, (s) =>
  s.converts === 'request' ? { out: verified3, leaked: 3 * PAGES } : { out: verified3, leaked: 0 },
);

describe("MapGPA storms on a 4 MiB buffer (two 2 MiB chunks, KVM's own granularity), each strategy that serves 4 MiB", () => {
  const MB4 = 4 * 2 ** 20;
  const STORMS: [string, MapGpaFault[], 'ok' | 'EIO'][] = [
    ['RETRY between the chunks, with progress', [{ kind: 'retry' }], 'ok'],
    ['RETRY after the first chunk, then three without progress', [{ kind: 'retry' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }], 'EIO'],
    ['RETRY after the first chunk, then one outside the range', [{ kind: 'retry' }, { kind: 'retry-out-of-range' }], 'EIO'],
    ['RETRY after the first chunk, then refused', [{ kind: 'retry' }, { kind: 'error' }], 'EIO'],
  ];
  for (const s of STRATEGIES.filter((x) => x.label !== 'dma-swiotlb streaming')) {
    for (const [name, faults, want] of STORMS) {
      it(`${s.label}: ${name}`, async () => {
        const loaded = await loadAppStrategy(s.spec, APP_DIR, { bytes: MB4 });
        const { machine: m, allocator: a } = bootWithStrategy({ platform: PLATFORM, strategy: loaded, requirements: { bytes: MB4 } });
        const [r] = await m.sched.join([
          m.sched.spawn('vcpu0', 'vcpu', 0, async () => {
            m.faults.mapGpa(...faults);
            const init = await a.init(); // direct-map and shared-pool convert here
            const b = init.ok ? await a.alloc(MB4) : init;
            if (!b.ok) return b.error.code;
            const f = await a.free(b.value);
            return f.ok ? 'ok' : `free ${f.error.code}`;
          }),
        ]);
        const failedAt = s.converts === 'init' ? (s.initErrno ?? 'EIO') : 'EIO';
        expect(r).toBe(want === 'ok' ? 'ok' : failedAt);
        expect(m.sinceBoot().mapGpaRetries).toBeGreaterThanOrEqual(1);
        expect(m.faults.pendingMapGpa).toBe(0);
        // half converted, state unknown: the whole buffer leaked, none of it back in the free pool
        expect(m.sinceBoot().leakedPages).toBe(want === 'ok' ? 0 : MB4 / 4096);
        expect(violationsOf(m)).toEqual([]);
        expectAccounted(m);
      });
    }
  }
});
