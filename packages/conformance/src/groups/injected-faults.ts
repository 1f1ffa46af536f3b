import { describe, expect, it } from 'vitest';
import { PageState, type MapGpaFault, type Machine } from '@tdx-shbuf/core';
import { bootRig, expectConsistent, okOf, type Rig, type Subject } from '../rig.js';
import { expectSameBytes, guestFill, guestView } from '../buffer-views.js';

const PAGE = 4096;

/**
 * Page frames shared now that are not boot-time pools (the SWIOTLB pool of
 * swiotlb_update_mem_attributes, the atomic pools of dma_atomic_pool_init):
 * the strategy's own conversions.
 */
function convertedPfns(m: Machine): number[] {
  const out: number[] = [];
  for (const r of m.audit().sharedRanges) if (r.class !== 'swiotlb' && r.class !== 'dma-pool') for (let p = r.pfn; p < r.pfn + r.pages; p++) out.push(p);
  return out;
}

/** Conversions that failed: in the kernel's helpers, or refused by the VMM (which also catches strategies running their own MapGPA protocol). */
const failures = (m: Machine) => m.counters.setMemoryFailures + m.counters.mapGpaFailures + m.counters.mapGpaRefused;

/**
 * Run `op` (free or shutdown) with `faults` injected into the next MapGPA.
 * When the conversion back to private failed (set_memory_encrypted → -EIO via
 * tdx_map_gpa giving up), every page left shared must be leaked and counted —
 * never freed (tdx-guest commit 27834971f616; dma-direct "leaking DMA memory
 * that can't be re-encrypted"; swiotlb "Intentional leak").
 */
async function withFailedConversion(rig: Rig, faults: MapGpaFault[], what: string, op: () => Promise<unknown>) {
  const { m } = rig;
  const before = { leaked: m.counters.leakedPages, failures: failures(m), shared: convertedPfns(m) };
  m.faults.mapGpa(...faults);
  const pendingBefore = m.faults.pendingMapGpa;
  await rig.step(`${what} with MapGPA ${faults.map((f) => f.kind).join(', ')}`, op); // ok or EIO: both fine, a throw is not
  const consumed = pendingBefore - m.faults.pendingMapGpa;
  const stillShared = before.shared.filter((p) => m.page(p).state === PageState.Shared);
  if (failures(m) > before.failures) {
    expect(consumed, 'the injected MapGPA fault was consumed').toBeGreaterThan(0);
    expect(m.counters.leakedPages - before.leaked, `leakedPages growth after a failed conversion in ${what} (pages still shared: ${stillShared.length})`).toBeGreaterThanOrEqual(
      Math.max(1, what === 'shutdown' ? stillShared.length : 0),
    );
  }
  return { consumed, stillShared, failed: failures(m) > before.failures, leaked: m.counters.leakedPages - before.leaked };
}

const FAULTS: [string, MapGpaFault[]][] = [
  ['MapGPA error (INVALID_OPERAND)', [{ kind: 'error' }]],
  ['three MapGPA RETRYs without progress', [{ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }]],
];

export function faultGroups(s: Subject): void {
  const bytes = Math.min(5 * PAGE + 1, s.requirements.bytes);

  describe('a failed conversion back to private leaks (counted) instead of returning shared memory', () => {
    it.each(FAULTS)('at free: %s', async (_name, faults) => {
      const rig = await bootRig(s);
      const b = okOf(await rig.step('alloc', () => rig.alloc.alloc(bytes)), 'alloc');
      await rig.step('write', () => guestFill(b, 7));
      const bufPfns = new Set(b.sharedGpas.flatMap((g) => pfnsOf(g.gpa - rig.kernel.sharedBit, g.bytes)));
      const r = await withFailedConversion(rig, faults, 'free', () => rig.alloc.free(b));
      if (r.failed) {
        // Every page of this buffer that stayed shared is out of use for good: leaked, counted.
        const stuck = r.stillShared.filter((p) => bufPfns.has(p));
        expect(r.leaked, `leakedPages growth ≥ pages of the freed buffer still shared (${stuck.length})`).toBeGreaterThanOrEqual(stuck.length);
      }
      if (rig.m.faults.pendingMapGpa === 0) {
        // The allocator keeps working, and never hands out a leaked page (invariant 6, checked by the model).
        const again = okOf(await rig.step('alloc after the leak', () => rig.alloc.alloc(bytes)), 'alloc after the leak');
        const wrote = await rig.step('write', () => guestFill(again, 8));
        expectSameBytes(await rig.step('read', () => guestView(again)), wrote, 'buffer after the leak');
        okOf(await rig.step('free', () => rig.alloc.free(again)), 'free');
      }
      await withFailedConversion(rig, [], 'shutdown', () => rig.alloc.shutdown());
      expect(rig.m.counters.sharedPages, 'shared pages after shutdown vs boot + leaked-and-shared').toBe(rig.m.bootCounters.sharedPages + rig.m.audit().shared.leaked);
    });

    it.each(FAULTS)('at shutdown: %s', async (_name, faults) => {
      const rig = await bootRig(s);
      const b = okOf(await rig.step('alloc', () => rig.alloc.alloc(bytes)), 'alloc');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      const r = await withFailedConversion(rig, faults, 'shutdown', () => rig.alloc.shutdown());
      if (r.failed) expect(r.stillShared.length, 'pages whose conversion failed at shutdown').toBeGreaterThan(0);
      expect(rig.m.counters.sharedPages, 'shared pages after shutdown vs boot + leaked-and-shared').toBe(rig.m.bootCounters.sharedPages + rig.m.audit().shared.leaked);
    });
  });

  describe('ENOMEM is an error value and loses nothing', () => {
    const CASES: [string, number, boolean][] = [
      ['the first page allocation fails', 0, false],
      ['the second page allocation fails', 1, false],
      ['the fourth page allocation fails', 3, false],
      ['every page allocation fails', 0, true],
    ];
    it.each(CASES)(`alloc(${bytes}): %s`, async (_name, at, onward) => {
      const rig = await bootRig(s);
      const before = { free: freeOrUnaccepted(rig), pt: rig.m.counters.pageTablePages, shared: rig.m.counters.sharedPages, leaked: rig.m.counters.leakedPages };
      const r = await withAllocFailures(rig, at, onward, () => rig.step('alloc under page allocation failures', () => rig.alloc.alloc(bytes)));
      if (r.ok) {
        okOf(await rig.step('free', () => rig.alloc.free(r.value)), 'free');
      } else {
        expect(r.error.code, `alloc under ENOMEM: ${r.error.message}`).toBe('ENOMEM');
        expectNothingLost(rig, before, 'the failed alloc');
      }
      // The fault has cleared: the allocator works.
      const b = okOf(await rig.step('alloc after the fault cleared', () => rig.alloc.alloc(bytes)), 'alloc after the fault cleared');
      const wrote = await rig.step('write', () => guestFill(b, 9));
      expectSameBytes(await rig.step('read', () => guestView(b)), wrote, 'buffer after ENOMEM');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });

    it('init while every page allocation fails: ok or ENOMEM, then init works once memory is back', async () => {
      const rig = await bootRig(s, { init: false });
      const before = { free: freeOrUnaccepted(rig), pt: rig.m.counters.pageTablePages, shared: rig.m.counters.sharedPages, leaked: rig.m.counters.leakedPages };
      const r = await withAllocFailures(rig, 0, true, () => rig.step('init under page allocation failures', () => rig.alloc.init()));
      if (!r.ok) {
        expect(r.error.code, `init under ENOMEM: ${r.error.message}`).toBe('ENOMEM');
        expectNothingLost(rig, before, 'the failed init');
        okOf(await rig.step('init again', () => rig.alloc.init()), 'init once memory is back');
      }
      const b = okOf(await rig.step('alloc', () => rig.alloc.alloc(bytes)), 'alloc');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });
}

/**
 * Fail page allocations during `fn` with the machine's fault hook (alloc_pages
 * returning NULL): only the call at index `at`, or every one from `at` on.
 * The script is cleared when `fn` returns: the fault has cleared.
 */
async function withAllocFailures<T>(rig: Rig, at: number, onward: boolean, fn: () => Promise<T>): Promise<T> {
  const clear = rig.m.faults.failAllocations(at, { onward });
  try {
    return await fn();
  } finally {
    clear();
  }
}

/**
 * Free pages, accepted or still on a zone's unaccepted list: the page allocator may
 * accept a block on the way (cond_accept_memory), which moves pages from one to the other.
 */
function freeOrUnaccepted(rig: Rig): number {
  const a = rig.m.audit();
  return a.freeListPages + a.pages.unaccepted;
}

/**
 * After a failed call nothing is unaccounted (invariant 7): every page is back in
 * the free pool (accepted or not), or a page table the direct map kept (split_large_page: splits are
 * never undone), or counted as leaked — the kernel's callers leak whatever a failed
 * set_memory_decrypted() touched (dma-direct out_leak_pages, tdx-guest 27834971f616)
 * — and nothing stayed shared.
 */
function expectNothingLost(rig: Rig, before: { free: number; pt: number; shared: number; leaked: number }, what: string): void {
  const { m } = rig;
  expectConsistent(m, what);
  const kept = m.counters.pageTablePages - before.pt;
  const leaked = m.counters.leakedPages - before.leaked;
  expect(freeOrUnaccepted(rig) + kept + leaked, `free pages after ${what} (+ page tables kept by splits + counted leaks)`).toBe(before.free);
  expect(m.counters.sharedPages, `shared pages after ${what}`).toBe(before.shared);
}

function pfnsOf(pa: number, bytes: number): number[] {
  const out: number[] = [];
  for (let p = Math.floor(pa / PAGE); p * PAGE < pa + bytes; p++) out.push(p);
  return out;
}
