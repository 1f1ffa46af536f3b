import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../../test-machine.js';
import { DIRECT_MAP_BASE, GiB, KiB, MiB, PAGE_SIZE } from '../../../abi/units.js';
import { PageState } from '../../memory/phys-mem.js';
import { chargedNs } from '../../sim/metrics.js';

const atomic = (m: TestMachine, bytes: number) => {
  const r = m.kernel.dma.allocCoherent(bytes, { blocking: false });
  if (!r.ok) throw r.error;
  return r.value;
};
const pfnOf = (kva: number) => (kva - DIRECT_MAP_BASE) / PAGE_SIZE;
const poolPages = (m: TestMachine, zone: string) => m.dma.atomicPools.filter((p) => p.zone === zone).reduce((n, p) => n + p.pages, 0);

describe('DMA atomic pools (docs/model.md §4, kernel/dma/pool.c)', () => {
  it('gen_pool hands out ⌈size / 4 KiB⌉ pages aligned to the next power of two, not 2^order (gen_pool_first_fit_order_align)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const first = pfnOf(atomic(m, 12 * KiB).kva); // 3 pages at index 0
    expect(pfnOf(atomic(m, 4 * KiB).kva)).toBe(first + 3); // the 4th page was left free
    expect(pfnOf(atomic(m, 8 * KiB).kva)).toBe(first + 4); // 2 pages: aligned to 2
    expect(pfnOf(atomic(m, 12 * KiB).kva)).toBe(first + 8); // 3 pages: aligned to 4
  });

  it('the device address carries no shared bit on x86 TDX (phys_to_dma_unencrypted = __phys_to_dma)', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const a = atomic(m, 4 * KiB);
    expect(a.dmaAddr).toBe(a.kva - DIRECT_MAP_BASE);
  });

  it('dropping below atomic_pool_size schedules atomic_pool_work; a kworker grows the pool by its size and decrypts it', async () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
    expect(poolPages(m, 'Normal')).toBe(512); // 16 GiB × 128 KiB / GiB = 2 MiB = atomic_pool_size
    const c0 = { ...m.counters };
    const t0 = m.sched.now();
    atomic(m, 8 * KiB); // 510 of 512 pages free < atomic_pool_size
    atomic(m, 8 * KiB); // the work is pending already: queued once
    const t1 = m.sched.now();
    expect(m.counters.pagesConvertedToShared).toBe(c0.pagesConvertedToShared); // not on the requester
    expect(t1 - t0).toBeCloseTo((2 * 8 * KiB) / m.cost.bounceBytesPerNs, 3); // the requester did only its two memsets
    await m.machine.flushWork();
    expect(m.counters.atomicPoolExpansions - c0.atomicPoolExpansions).toBe(1);
    expect(poolPages(m, 'Normal')).toBe(1024);
    expect([poolPages(m, 'DMA'), poolPages(m, 'DMA32')]).toEqual([512, 512]); // still full: not resized
    // atomic_pool_expand: alloc_pages(order 9) + set_memory_decrypted(512 pages): MapGPA, flush, maybe a split
    expect(m.counters.pagesConvertedToShared - c0.pagesConvertedToShared).toBe(512);
    expect(m.counters.mapGpaCalls - c0.mapGpaCalls).toBe(1);
    expect(m.counters.tlbFlushFull - c0.tlbFlushFull).toBeGreaterThanOrEqual(8); // 512 pages > the 33-page ceiling
    expect(m.counters.sharedPagesPeak - c0.sharedPagesPeak).toBe(512);
    const chunk = m.dma.atomicPools.filter((p) => p.zone === 'Normal')[1]!;
    expect(m.mem.every(chunk.pfn, chunk.pages, (s) => s === PageState.Shared)).toBe(true);
    // the work was charged, to the kworker: more than the requester's own time
    expect(chargedNs(m.counters) - chargedNs(c0)).toBeGreaterThan(t1 - t0);
    expect(m.machine.audit().lost).toEqual([]);
  });

  it("each growth adds the pool's current size, at most one MAX_PAGE_ORDER block (atomic_pool_expand(pool, gen_pool_size(pool)))", async () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      // take 128 KiB pieces until the free space is below atomic_pool_size, then let the kworker run
      while (m.counters.atomicPoolExpansions - m.bootCounters.atomicPoolExpansions === i) {
        atomic(m, 128 * KiB);
        await m.machine.flushWork();
      }
      sizes.push(poolPages(m, 'Normal') * PAGE_SIZE);
    }
    expect(sizes).toEqual([4 * MiB, 8 * MiB, 12 * MiB]); // +2 MiB, +4 MiB, +4 MiB (capped)
  });

  it('falls back kernel → DMA32 → DMA when the kernel pool is full (dma_guess_pool), and never shrinks', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const held = Array.from({ length: 4 }, () => atomic(m, 512 * KiB)); // the whole 2 MiB kernel pool; the kworker has not run
    const next = pfnOf(atomic(m, 4 * KiB).kva);
    const dma32 = m.pages.zones.find((z) => z.name === 'DMA32')!;
    expect(dma32.contains(next)).toBe(true);
    for (const a of held) expect(m.kernel.dma.freeCoherent(a.kva, 512 * KiB).ok).toBe(true);
    expect(pfnOf(atomic(m, 512 * KiB).kva)).toBe(pfnOf(held[0]!.kva)); // back in its chunk
    expect(poolPages(m, 'Normal')).toBe(512);
  });
});
