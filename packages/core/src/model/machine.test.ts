import { describe, expect, it } from 'vitest';
import { Machine } from './machine.js';
import { kernelFor } from './kernel.js';
import { GiB, MiB, PAGE_SIZE } from './units.js';
import { Owner } from './memory.js';

describe('boot', () => {
  it('boots a 16 GiB guest with the q35 layout, SWIOTLB decrypted, and no violations', () => {
    const m = new Machine({ memoryBytes: 16 * GiB, vcpus: 8 });
    expect(m.ram.map((r) => [r.startPfn * PAGE_SIZE, r.endPfn * PAGE_SIZE])).toEqual([
      [0, 2 * GiB],
      [4 * GiB, 18 * GiB],
    ]);
    expect(m.inv.violations).toEqual([]);
    expect(m.swiotlb.bytes).toBe(1 * GiB);
    expect(m.counters.sharedPages).toBeGreaterThanOrEqual(GiB / PAGE_SIZE);
    expect(m.mem.pagesByOwner[Owner.Free]).toBe(m.pages.freePageCount);
    const k = kernelFor(m);
    const p = k.allocPages(0);
    expect(p.ok).toBe(true);
    void MiB;
  });
});
