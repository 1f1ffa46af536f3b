import { describe, expect, it } from 'vitest';
import { createSharedBuffer, type SharedBuffer } from '@tdx-shbuf/core';
import { bootRig, expectError, okOf, type Rig, type Subject } from '../rig.js';
import { expectSameBytes, guestFill, guestView, sharedBytes } from '../buffer-views.js';

/** Sizes every strategy must serve: 1 byte, the page edges, some middle sizes, and the size it was created for. */
export function sizesFor(maxBytes: number): number[] {
  const all = [1, 4095, 4096, 4097, 3 * 4096 + 17, 64 * 1024, Math.floor(maxBytes / 2) + 1, maxBytes];
  return [...new Set(all.filter((b) => b >= 1 && b <= maxBytes))].sort((a, b) => a - b);
}

/** The buffer's own sanity: enough bytes, shared GPAs with the shared bit, page states Shared. */
export function expectWellFormed(rig: Rig, b: SharedBuffer, asked: number): void {
  expect(b.bytes, 'buffer.bytes').toBeGreaterThanOrEqual(asked);
  expect(b.sharedGpas.length, 'buffer.sharedGpas').toBeGreaterThan(0);
  expect(sharedBytes(b), 'sum of sharedGpas bytes').toBeGreaterThanOrEqual(b.bytes);
  for (const g of b.sharedGpas) {
    // cc_mkdec(): a shared GPA carries the shared bit (GPAW-1) and nothing above it.
    expect(g.gpa >= rig.kernel.sharedBit && g.gpa < 2 * rig.kernel.sharedBit, `GPA 0x${g.gpa.toString(16)} has the shared bit`).toBe(true);
  }
}

/** alloc(bytes), checked; fill and verify the guest's own view over the whole buffer; free. */
async function useOnce(rig: Rig, bytes: number, seed: number): Promise<void> {
  const b = okOf(await rig.step(`alloc(${bytes})`, () => rig.alloc.alloc(bytes)), `alloc(${bytes})`);
  expectWellFormed(rig, b, bytes);
  const wrote = await rig.step(`write ${b.bytes} bytes`, () => guestFill(b, seed));
  expectSameBytes(await rig.step('read back', () => guestView(b)), wrote, `guest read-back of a ${bytes}-byte buffer`);
  okOf(await rig.step(`free(${bytes})`, () => rig.alloc.free(b)), `free(${bytes})`);
}

export function lifecycleGroups(s: Subject): void {
  describe('alloc/free round trip', () => {
    it('init, alloc, free and shutdown all return ok', async () => {
      const rig = await bootRig(s);
      await useOnce(rig, Math.min(4096, s.requirements.bytes), 1);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
    it('a freed buffer can be followed by another alloc, many times', async () => {
      const rig = await bootRig(s);
      for (let i = 0; i < 8; i++) await useOnce(rig, Math.min(4096 * (i + 1) - i, s.requirements.bytes), 10 + i);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });

  // alloc_pages_exact() rounds up to whole pages; the buffer must still be usable over every byte it reports.
  describe(`sizes from 1 byte to the size it was created for (${s.requirements.bytes})`, () => {
    it.each(sizesFor(s.requirements.bytes))('a %i-byte buffer is usable over its whole length', async (bytes) => {
      const rig = await bootRig(s);
      await useOnce(rig, bytes, bytes);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
    it('alloc(maxBytes + 1) is an error value (EINVAL, or ENOMEM from the kernel path)', async () => {
      const rig = await bootRig(s);
      const r = await rig.step(`alloc(${s.caps.maxBytes + 1})`, () => rig.alloc.alloc(s.caps.maxBytes + 1));
      expectError(r, ['EINVAL', 'ENOMEM'], `alloc(maxBytes + 1 = ${s.caps.maxBytes + 1})`);
      await useOnce(rig, Math.min(4096, s.requirements.bytes), 2);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });

  describe('shutdown leaves no shared page except counted leaks and the boot-time pools', () => {
    // Boot pools: the SWIOTLB pool (swiotlb_update_mem_attributes) and the atomic pools (dma_atomic_pool_init).
    const expectOnlyBootPoolsAndLeaks = (rig: Rig) =>
      expect(rig.m.counters.sharedPages, 'shared pages after shutdown vs boot + leaked-and-shared').toBe(rig.m.bootCounters.sharedPages + rig.m.audit().shared.leaked);
    it('right after init', async () => {
      const rig = await bootRig(s);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
      expectOnlyBootPoolsAndLeaks(rig);
    });
    it('after buffers were allocated and freed', async () => {
      const rig = await bootRig(s);
      for (const bytes of sizesFor(s.requirements.bytes).slice(0, 5)) await useOnce(rig, bytes, bytes);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
      expectOnlyBootPoolsAndLeaks(rig);
      expect(rig.m.counters.leakedPages, 'no fault was injected, so nothing leaks').toBe(rig.m.bootCounters.leakedPages);
    });
  });

  describe('free of a buffer twice, or of a foreign object, is EINVAL', () => {
    // A second dma_free_coherent()/free_pages_exact() of the same pages is a kernel bug; here it must be refused.
    it('double free', async () => {
      const rig = await bootRig(s);
      const b = okOf(await rig.step('alloc', () => rig.alloc.alloc(Math.min(4096, s.requirements.bytes))), 'alloc');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      expectError(await rig.step('second free', () => rig.alloc.free(b)), ['EINVAL'], 'free of an already freed buffer');
      await useOnce(rig, Math.min(4096, s.requirements.bytes), 3);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
    it('a SharedBuffer this allocator never handed out', async () => {
      const rig = await bootRig(s);
      const pfn = okOf(rig.kernel.allocPages(0), 'alloc_pages');
      const foreign = createSharedBuffer(rig.kernel, { kva: rig.kernel.pageAddress(pfn), bytes: 4096, sharedGpas: [] });
      expectError(await rig.step('free(foreign)', () => rig.alloc.free(foreign)), ['EINVAL'], 'free of a foreign buffer');
      rig.kernel.freePages(pfn, 0);
      await useOnce(rig, Math.min(4096, s.requirements.bytes), 4);
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
    it('a buffer of another allocator instance on the same kernel', async () => {
      const rig = await bootRig(s);
      const other = okOf(
        await rig.step('create + init a second allocator', async () => {
          const a = s.strategy.create(rig.kernel, s.options, s.requirements);
          const r = await a.init();
          return r.ok ? { ok: true as const, value: a } : r;
        }),
        'second allocator init',
      );
      const b = okOf(await rig.step('alloc on the second', () => other.alloc(Math.min(4096, s.requirements.bytes))), 'alloc on the second');
      const wrote = await rig.step('write', () => guestFill(b, 5));
      expectError(await rig.step('free on the first', () => rig.alloc.free(b)), ['EINVAL'], "free of another allocator's buffer");
      expectSameBytes(await rig.step('read', () => guestView(b)), wrote, 'the refused free left the buffer alone');
      okOf(await rig.step('free on the second', () => other.free(b)), 'free on the second');
      okOf(await rig.step('shutdown of the second', () => other.shutdown()), 'shutdown of the second');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });
}
