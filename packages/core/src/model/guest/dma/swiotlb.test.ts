import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB, KiB, MiB } from '../../../abi/units.js';
import { IO_TLB_SEGSIZE, IO_TLB_SIZE, SWIOTLB_MAX_MAPPING, swiotlbDefaultBytes, swiotlbGeometry } from './swiotlb.js';
import { PageState } from '../../memory/phys-mem.js';

describe('SWIOTLB (docs/model.md §4, kernel/dma/swiotlb.c, arch/x86/mm/mem_encrypt.c)', () => {
  it('sizes the CoCo pool at 6 % of RAM clamped to [64 MiB, 1 GiB], rounded to a power of two of slots', () => {
    expect(swiotlbDefaultBytes(8 * GiB)).toBe(512 * MiB); // 491.5 MiB → 2^18 slots
    expect(swiotlbDefaultBytes(1 * GiB)).toBe(64 * MiB); // 61 MiB → clamped up
    expect(swiotlbDefaultBytes(64 * GiB)).toBe(1 * GiB); // 3.8 GiB → clamped down
    expect(testMachine({ memoryBytes: 8 * GiB }).swiotlb.bytes).toBe(512 * MiB);
  });

  it('uses one area per CPU, rounded up to a power of two (swiotlb_adjust_nareas(num_possible_cpus()))', () => {
    expect(swiotlbGeometry(64 * MiB, 6).nareas).toBe(8);
    expect(testMachine({ memoryBytes: 4 * GiB, vcpus: 3 }).swiotlb.nareas).toBe(4);
  });

  it('grows the pool to 128 slots per area instead of cutting areas (round_up_default_nslabs in swiotlb_init_remap)', () => {
    // 8 areas need 8 × 128 = 1024 slots; a 512-slot (1 MiB) request grows to 2 MiB and keeps 8 areas
    expect(swiotlbGeometry(512 * IO_TLB_SIZE, 8)).toEqual({ nslabs: 1024, nareas: 8, bytes: 2 * MiB });
    // 1024 vCPUs: 1024 areas × 128 slots = 256 MiB, above the CoCo default of 64 MiB for a 1 GiB guest
    expect(swiotlbGeometry(swiotlbDefaultBytes(1 * GiB), 1024)).toEqual({ nslabs: 131072, nareas: 1024, bytes: 256 * MiB });
    // a size that already holds 128 slots per area is only rounded to a power of two of slots
    expect(swiotlbGeometry(3 * MiB, 8)).toEqual({ nslabs: 2048, nareas: 8, bytes: 4 * MiB });
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 8, swiotlbBytes: 1 * MiB });
    expect([m.swiotlb.nareas, m.swiotlb.nslabs, m.swiotlb.bytes]).toEqual([8, 1024, 2 * MiB]);
    expect(m.mem.every(m.swiotlb.startPfn, (2 * MiB) / 4096, (s) => s === PageState.Shared)).toBe(true);
    // swiotlb=<slots>,1: one area, whatever the CPU count
    expect(testMachine({ memoryBytes: 4 * GiB, vcpus: 8, swiotlbBytes: 1 * MiB, swiotlbAreas: 1 }).swiotlb.nareas).toBe(1);
  });

  it('is decrypted once at boot: every pool page shared, and no conversion when mapping', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const t = m.swiotlb;
    expect(m.mem.every(t.startPfn, t.bytes / 4096, (s) => s === PageState.Shared)).toBe(true);
    const k = m.kernel;
    const pfn = m.pages.allocPages(1)!;
    const c0 = { ...m.counters };
    const r = k.dma.mapSingle(m.pageAddress(pfn), 8 * KiB, 'bidirectional');
    expect(r.ok).toBe(true);
    expect(m.counters.mapGpaCalls).toBe(c0.mapGpaCalls);
    expect(m.counters.bytesBounced - c0.bytesBounced).toBe(8 * KiB); // map always copies to the slot
  });

  it('refuses 256 KiB + 1 byte with the kernel full-pool message, and serves exactly 256 KiB', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(7)!; // 512 KiB
    expect(SWIOTLB_MAX_MAPPING).toBe(IO_TLB_SEGSIZE * IO_TLB_SIZE);
    expect(k.dma.mapSingle(m.pageAddress(pfn), 256 * KiB, 'to-device').ok).toBe(true);
    const r = k.dma.mapSingle(m.pageAddress(pfn), 256 * KiB + 1, 'to-device');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ENOMEM');
      expect(r.error.message).toMatch(/swiotlb buffer is full \(sz: 262145 bytes\), total 131072 \(slots\), used 128 \(slots\)/);
    }
  });

  it('reports "swiotlb buffer is full" when the pool is exhausted, and recovers after unmap', () => {
    const m = testMachine({ memoryBytes: 1 * GiB, vcpus: 1, swiotlbBytes: 1 * MiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(6)!;
    const kva = m.pageAddress(pfn);
    const maps: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = k.dma.mapSingle(kva, 256 * KiB, 'bidirectional');
      expect(r.ok).toBe(true);
      if (r.ok) maps.push(r.value);
    }
    const full = k.dma.mapSingle(kva, 4 * KiB, 'bidirectional');
    expect(full.ok).toBe(false);
    expect(m.counters.swiotlbFull).toBe(1);
    expect(m.dmesg.at(-1)).toBe('swiotlb buffer is full (sz: 4096 bytes), total 512 (slots), used 512 (slots)');
    expect(k.dma.unmapSingle(maps[0]!, 256 * KiB, 'bidirectional').ok).toBe(true);
    expect(k.dma.mapSingle(kva, 4 * KiB, 'bidirectional').ok).toBe(true);
  });

  it('bounces data both ways: the host sees the slot, the guest sees host writes only after sync/unmap', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pfn = m.pages.allocPages(0)!;
    const kva = m.pageAddress(pfn);
    expect(k.write(kva, new Uint8Array([7, 7, 7, 7])).ok).toBe(true);
    const r = k.dma.mapSingle(kva, 4096, 'bidirectional');
    if (!r.ok) throw r.error;
    // the device address has no shared bit (phys_to_dma_unencrypted = __phys_to_dma); the host's GPA is cc_mkdec() of it
    expect(r.value).toBeLessThan(m.sharedBit);
    expect(m.swiotlb.contains(r.value)).toBe(true);
    expect([...m.vmm.readShared(r.value + m.sharedBit, 4)!]).toEqual([7, 7, 7, 7]);
    expect(m.vmm.writeShared(r.value + m.sharedBit, new Uint8Array([1, 2, 3, 4]))).toBe(true);
    const before = k.read(kva, 4);
    expect(before.ok && [...before.value]).toEqual([7, 7, 7, 7]);
    expect(k.dma.unmapSingle(r.value, 4096, 'bidirectional').ok).toBe(true);
    const after = k.read(kva, 4);
    expect(after.ok && [...after.value]).toEqual([1, 2, 3, 4]);
    expect(m.counters.bytesBounced - m.bootCounters.bytesBounced).toBe(2 * 4096);
  });
});

describe('dma-direct coherent allocations (docs/model.md §1 correction, kernel/dma/direct.c)', () => {
  it('a blocking dma_alloc_coherent converts fresh pages in the direct map; an atomic one uses the pre-decrypted pool', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const c0 = { ...m.counters };
    const blocking = k.dma.allocCoherent(8 * KiB);
    expect(blocking.ok).toBe(true);
    expect(m.counters.pagesConvertedToShared - c0.pagesConvertedToShared).toBe(2);
    expect(m.counters.setMemoryCalls - c0.setMemoryCalls).toBe(1);
    const c1 = { ...m.counters };
    const atomic = k.dma.allocCoherent(8 * KiB, { blocking: false });
    expect(atomic.ok).toBe(true);
    expect(m.counters.pagesConvertedToShared).toBe(c1.pagesConvertedToShared);
    expect(m.counters.setMemoryCalls).toBe(c1.setMemoryCalls);
    if (blocking.ok) expect(k.dma.freeCoherent(blocking.value.kva, 8 * KiB).ok).toBe(true);
    if (atomic.ok) expect(k.dma.freeCoherent(atomic.value.kva, 8 * KiB).ok).toBe(true);
    expect(m.inv.violations).toEqual([]);
  });

  it('atomic pools are 128 KiB per GiB of RAM, at least 128 KiB, made in dma_atomic_pool_init() order: kernel, DMA, DMA32', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    expect(m.dma.atomicPools.map((p) => [p.zone, p.pages * 4096])).toEqual([
      ['Normal', 2 * MiB],
      ['DMA', 2 * MiB],
      ['DMA32', 2 * MiB],
    ]);
    // a guest below 2.75 GiB has no ZONE_NORMAL memory: no kernel pool (has_managed_zone)
    const small = testMachine({ memoryBytes: 512 * MiB });
    expect(small.dma.atomicPools.map((p) => [p.zone, p.pages * 4096])).toEqual([
      ['DMA', 128 * KiB],
      ['DMA32', 128 * KiB],
    ]);
  });

  it('a failed re-encryption in dma_free_coherent leaks the pages ("leaking DMA memory that can\'t be re-encrypted")', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const k = m.kernel;
    const a = k.dma.allocCoherent(4 * KiB);
    if (!a.ok) throw a.error;
    m.vmm.injectMapGpa({ kind: 'error' });
    const r = k.dma.freeCoherent(a.value.kva, 4 * KiB);
    expect(r.ok).toBe(false);
    expect(m.counters.leakedPages).toBe(1);
    expect(m.dmesg).toContain("leaking DMA memory that can't be re-encrypted");
    expect(m.inv.violations).toEqual([]);
  });
});

describe('SWIOTLB lock areas (docs/model.md §8: single lock ×0.59)', () => {
  it('a pool with one area shared by several vCPUs bounces at swiotlbSingleLockFactor of the per-CPU rate', () => {
    const time = (swiotlbBytes: number, swiotlbAreas?: number) => {
      const m = testMachine({ memoryBytes: 1 * GiB, vcpus: 4, swiotlbBytes, ...(swiotlbAreas ? { swiotlbAreas } : {}) });
      const k = m.kernel;
      const pfn = m.pages.allocPages(4)!;
      const t0 = m.sched.now();
      expect(k.dma.mapSingle(m.pageAddress(pfn), 64 * KiB, 'to-device').ok).toBe(true);
      return { ns: m.sched.now() - t0, areas: m.swiotlb.nareas };
    };
    const single = time(IO_TLB_SEGSIZE * IO_TLB_SIZE, 1); // swiotlb=128,1: one area
    const perCpu = time(64 * MiB);
    expect(single.areas).toBe(1);
    expect(perCpu.areas).toBe(4);
    expect(single.ns / perCpu.ns).toBeCloseTo(1 / 0.59, 2);
  });
});
