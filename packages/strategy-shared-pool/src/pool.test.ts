import { describe, expect, it } from 'vitest';
import { MiB, PAGE_SIZE, PageState, type SharedBuffer } from '@tdx-shbuf/core';
import { expectErr, must, strategyRig } from '@tdx-shbuf/conformance';
import strategy from './strategy.js';
import type { SharedPoolAllocator } from './pool.js';

const rig = (options: Record<string, unknown> = {}, requirements: { bytes?: number } = {}) => {
  const r = strategyRig(strategy, options, {}, { concurrent: true, ...requirements });
  return { ...r, pool: r.a as SharedPoolAllocator };
};
const pfnOf = (r: ReturnType<typeof rig>, b: SharedBuffer) => must(r.kernel.virtToPhys(b.kva)) / PAGE_SIZE;

describe('init', () => {
  it('decrypts one naturally aligned 2 MiB block in the direct map: no 2M split, one MapGPA', async () => {
    const r = rig();
    const d = r.mark();
    const dm0 = r.m.meminfo();
    must(await r.a.init());
    const [block] = r.pool.poolBlocks;
    expect(r.pool.poolBlocks).toHaveLength(1);
    expect(block).toMatchObject({ order: 9, usedPages: 0, reserve: true });
    expect(block!.pfn % 512).toBe(0);
    expect(d()).toMatchObject({ pagesConvertedToShared: 512, mapGpaCalls: 1, directMapLevel2Splits: 0 });
    // __should_split_large_page: the request covers the whole 2M page, so it stays a 2M page.
    expect(r.m.meminfo().DirectMap4k).toBe(dm0.DirectMap4k);
    for (const pfn of [block!.pfn, block!.pfn + 511]) expect(r.m.page(pfn)).toMatchObject({ state: PageState.Shared, directMapEncrypted: false });
  });

  it('created for a buffer above 2 MiB, the first block is an order-10 block that holds it', async () => {
    const r = rig({}, { bytes: 3 * MiB });
    must(await r.a.init());
    expect(r.pool.poolBlocks).toEqual([expect.objectContaining({ order: 10, reserve: true })]);
    expect(r.pool.poolBlocks[0]!.pfn % 1024).toBe(0);
    const d = r.mark();
    const b = must(await r.a.alloc(3 * MiB));
    expect(b.sharedGpas).toEqual([{ gpa: pfnOf(r, b) * PAGE_SIZE + r.kernel.sharedBit, bytes: 3 * MiB }]);
    expect(d().pagesConvertedToShared).toBe(0);
  });

  it('initialBlocks: 0 decrypts nothing; the first alloc grows the pool', async () => {
    const r = rig({ initialBlocks: 0 });
    const d = r.mark();
    must(await r.a.init());
    expect(d().pagesConvertedToShared).toBe(0);
    must(await r.a.alloc(4096));
    expect(r.pool.poolBytes).toBe(2 * MiB);
  });

  it('init twice is EBUSY; alloc before init is ENODEV; shutdown with a live buffer is EBUSY', async () => {
    const r = rig();
    expectErr(await r.a.alloc(64), 'ENODEV');
    must(await r.a.init());
    expectErr(await r.a.init(), 'EBUSY');
    const b = must(await r.a.alloc(64));
    expectErr(await r.a.shutdown(), 'EBUSY');
    must(await r.a.free(b));
    must(await r.a.shutdown());
    expect(r.pool.poolBytes).toBe(0);
  });
});

describe('sub-allocation', () => {
  it('buffers convert nothing, are page-granular, and come best fit from the smallest hole', async () => {
    const r = rig();
    must(await r.a.init());
    const d = r.mark();
    const [a, b, c, e] = [must(await r.a.alloc(3 * 4096)), must(await r.a.alloc(100)), must(await r.a.alloc(2 * 4096)), must(await r.a.alloc(1))];
    expect(a.bytes).toBe(3 * 4096);
    expect(b.bytes).toBe(4096);
    const base = pfnOf(r, a);
    expect([pfnOf(r, b), pfnOf(r, c), pfnOf(r, e)]).toEqual([base + 3, base + 4, base + 6]);
    // Holes: 3 pages at base, 2 pages at base + 4, and the tail of the block.
    must(await r.a.free(a));
    must(await r.a.free(c));
    const two = must(await r.a.alloc(2 * 4096));
    expect(pfnOf(r, two)).toBe(base + 4);
    const three = must(await r.a.alloc(3 * 4096));
    expect(pfnOf(r, three)).toBe(base);
    expect(d()).toMatchObject({ pagesConvertedToShared: 0, pagesConvertedToPrivate: 0, mapGpaCalls: 0, tlbFlushFull: 0, ipis: 0 });
  });

  it('align: "order" starts a buffer on its power-of-two order, as dma_alloc_coherent() guarantees', async () => {
    const r = rig({ align: 'order' });
    must(await r.a.init());
    const one = must(await r.a.alloc(4096));
    const three = must(await r.a.alloc(3 * 4096));
    const base = pfnOf(r, one);
    expect(pfnOf(r, three) - base).toBe(4);
    expect(pfnOf(r, three) % 4).toBe(0);
    const pageAligned = rig();
    must(await pageAligned.a.init());
    must(await pageAligned.a.alloc(4096));
    expect(pfnOf(pageAligned, must(await pageAligned.a.alloc(3 * 4096))) % 4).toBe(1);
  });

  it('zeroes a buffer on free through its shared mapping: the host reads zeros where the request was', async () => {
    const r = rig();
    must(await r.a.init());
    const b = must(await r.a.alloc(8192));
    must(b.write(0, new Uint8Array(8192).fill(0xa5)));
    const gpa = b.sharedGpas[0]!.gpa;
    expect(r.m.host.readShared(gpa, 8192)!.every((x) => x === 0xa5)).toBe(true);
    const d = r.mark();
    must(await r.a.free(b));
    expect(d().bytesZeroed).toBe(8192);
    expect(r.m.host.readShared(gpa, 8192)!.every((x) => x === 0)).toBe(true);
  });

  it("free of a buffer twice, or of another pool's buffer, is EINVAL and changes nothing", async () => {
    const r = rig();
    must(await r.a.init());
    const other = strategy.create(r.kernel, strategy.options.parse({}), { bytes: 8192, concurrent: true });
    must(await other.init());
    const mine = must(await r.a.alloc(4096));
    const theirs = must(await other.alloc(4096));
    expectErr(await r.a.free(theirs), 'EINVAL');
    must(await r.a.free(mine));
    expectErr(await r.a.free(mine), 'EINVAL');
    expect(r.pool.poolBlocks[0]!.usedPages).toBe(0);
    must(await other.free(theirs));
    must(await other.shutdown());
  });

  it('EINVAL outside 1..maxBytes (4 MiB, or 2 MiB when maxPoolBytes is 2 MiB)', async () => {
    const r = rig();
    must(await r.a.init());
    expectErr(await r.a.alloc(0), 'EINVAL');
    expectErr(await r.a.alloc(1.5), 'EINVAL');
    expectErr(await r.a.alloc(4 * MiB + 1), 'EINVAL');
    const small = rig({ maxPoolBytes: 2 * MiB });
    must(await small.a.init());
    expectErr(await small.a.alloc(2 * MiB + 1), 'EINVAL');
  });
});
