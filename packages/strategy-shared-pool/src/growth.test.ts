import { describe, expect, it } from 'vitest';
import { MiB, Owner, PageState, type Machine } from '@tdx-shbuf/core';
import { expectErr, must, strategyRig, takeFreeMemoryBelow } from '@tdx-shbuf/conformance';
import strategy from './strategy.js';
import type { SharedPoolAllocator } from './pool.js';

const rig = (options: Record<string, unknown> = {}, platform: Record<string, unknown> = {}) => {
  const r = strategyRig(strategy, options, platform, { concurrent: true });
  return { ...r, pool: r.a as SharedPoolAllocator };
};
const leaked = (m: Machine) => m.counters.leakedPages - m.bootCounters.leakedPages;

describe('growth', () => {
  it('grows by one whole 2 MiB block when no block has room, without a 2M split', async () => {
    const r = rig();
    must(await r.a.init());
    const full = must(await r.a.alloc(2 * MiB));
    const d = r.mark();
    const b = must(await r.a.alloc(4096));
    expect(r.pool.poolBlocks.map((x) => [x.order, x.usedPages, x.reserve])).toEqual([
      [9, 512, true],
      [9, 1, false],
    ]);
    expect(d()).toMatchObject({ pagesConvertedToShared: 512, mapGpaCalls: 1, directMapLevel2Splits: 0 });
    must(await r.a.free(b));
    must(await r.a.free(full));
    // Without shrinkIdleMs the grown block stays: the next request converts nothing.
    const d2 = r.mark();
    must(await r.a.free(must(await r.a.alloc(4096))));
    expect(d2().pagesConvertedToShared).toBe(0);
    expect(r.pool.poolBytes).toBe(4 * MiB);
  });

  it('best fit spans blocks: the tightest hole wins even when an earlier block has room', async () => {
    const r = rig();
    must(await r.a.init());
    const a = must(await r.a.alloc(2 * MiB));
    must(await r.a.alloc(2 * MiB - 2 * 4096)); // grows a second block, leaving 2 pages free at its end
    must(await r.a.free(a)); // the first block is empty again
    const b = must(await r.a.alloc(2 * 4096));
    expect(must(r.kernel.virtToPhys(b.kva)) / 4096).toBe(r.pool.poolBlocks[1]!.pfn + 510);
    expect(r.pool.poolBlocks.map((x) => x.usedPages)).toEqual([0, 512]);
  });

  it('a buffer above 2 MiB grows the pool by an order-10 block (4 MiB aligned: two whole 2M pages)', async () => {
    const r = rig();
    must(await r.a.init());
    const d = r.mark();
    must(await r.a.alloc(2 * MiB + 4096));
    const grown = r.pool.poolBlocks[1]!;
    expect(grown).toMatchObject({ order: 10, usedPages: 513 });
    expect(grown.pfn % 1024).toBe(0);
    expect(d()).toMatchObject({ pagesConvertedToShared: 1024, directMapLevel2Splits: 0 });
  });

  it('a block in an untouched 1G direct-map page costs one 1G split (into 2M pages) and no 2M split', async () => {
    const r = rig({ initialBlocks: 0 });
    must(await r.a.init());
    // Take the rest of the first Normal GiB (already split into 2M pages at boot by the atomic pool) so the block comes from [5 GiB, 6 GiB).
    takeFreeMemoryBelow(r.kernel, 5 * 2 ** 30);
    const d = r.mark();
    must(await r.a.alloc(4096));
    expect(r.pool.poolBlocks[0]!.pfn * 4096).toBeGreaterThanOrEqual(5 * 2 ** 30);
    expect(d()).toMatchObject({ directMapLevel3Splits: 1, directMapLevel2Splits: 0, pageTablePages: 1 });
  });

  it('maxPoolBytes caps growth: ENOMEM, and nothing is converted', async () => {
    const r = rig({ maxPoolBytes: 4 * MiB });
    must(await r.a.init());
    must(await r.a.alloc(2 * MiB));
    must(await r.a.alloc(2 * MiB));
    const d = r.mark();
    expect(expectErr(await r.a.alloc(4096), 'ENOMEM')).toMatch(/maxPoolBytes/);
    expect(d().pagesConvertedToShared).toBe(0);
  });

  it('grow: false serves from the init pool only', async () => {
    const r = rig({ grow: false });
    must(await r.a.init());
    must(await r.a.alloc(2 * MiB - 4096));
    const d = r.mark();
    expect(expectErr(await r.a.alloc(8192), 'ENOMEM')).toMatch(/grow: false/);
    expect(d().pagesConvertedToShared).toBe(0);
  });

  it('a refused conversion while growing leaks the block (atomic_pool_expand) and returns EIO', async () => {
    const r = rig({ initialBlocks: 0 });
    must(await r.a.init());
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.alloc(4096), 'EIO');
    expect(leaked(r.m)).toBe(512);
    expect(r.pool.poolBytes).toBe(0);
    // The pool still works, from a fresh block.
    must(await r.a.alloc(4096));
    expect(r.m.violations).toEqual([]);
  });
});

describe('shrink (shrinkIdleMs)', () => {
  it('gives back a grown block idle for shrinkIdleMs at the next alloc or free; the init block stays', async () => {
    const r = rig({ shrinkIdleMs: 10 });
    must(await r.a.init());
    const big = must(await r.a.alloc(2 * MiB));
    const b = must(await r.a.alloc(4096));
    const grownPfn = r.pool.poolBlocks[1]!.pfn;
    must(await r.a.free(b));
    await r.m.sched.sleep(9e6);
    must(await r.a.free(big)); // 9 ms idle: kept
    expect(r.pool.poolBytes).toBe(4 * MiB);
    await r.m.sched.sleep(1e6);
    const d = r.mark();
    const c = must(await r.a.alloc(4096)); // lands in the init block, then the idle grown block goes
    expect(r.pool.poolBlocks).toEqual([expect.objectContaining({ reserve: true, usedPages: 1 })]);
    // set_memory_encrypted of 2 MiB: one MapGPA; tdx_accept_memory tries 2M, the host maps private memory at 4K
    // (TDX_PAGE_SIZE_MISMATCH), so 512 × 4K accepts.
    expect(d()).toMatchObject({ pagesConvertedToPrivate: 512, mapGpaCalls: 1, acceptSizeMismatch: 1, accepts2m: 0, accepts4k: 512, leakedPages: 0 });
    expect(r.m.page(grownPfn)).toMatchObject({ state: PageState.PrivateAccepted, owner: Owner.Free, directMapEncrypted: true });
    must(await r.a.free(c));
    await r.m.sched.sleep(1e9);
    // A buffer above 2 MiB grows an order-10 block; the init block, idle for 1 s, is a reserve and stays.
    must(await r.a.alloc(3 * MiB));
    expect(r.pool.poolBlocks.map((x) => [x.order, x.reserve])).toEqual([
      [9, true],
      [10, false],
    ]);
  });

  it('with a host that maps private memory at 2M, the block is accepted with one 2M accept', async () => {
    const r = rig({ shrinkIdleMs: 0, initialBlocks: 0 }, { hostPrivateMapLevel: '2m' });
    must(await r.a.init());
    const d = r.mark();
    must(await r.a.free(must(await r.a.alloc(4096))));
    // The growth's alloc_pages(order 9) first accepts an unaccepted 4 MiB block (cond_accept_memory:
    // ZONE_NORMAL is 131 pages above its promo watermark, an order-9 request cannot use 511): its two
    // units not yet accepted (the first was the previous block's guard unit) are one 2M ACCEPT each.
    // Giving the block back then accepts it with ONE 2M ACCEPT: 3 in all, no 4K, no mismatch.
    expect(d()).toMatchObject({ pagesConvertedToShared: 512, pagesConvertedToPrivate: 512, acceptMemoryBlocks: 1, accepts2m: 2 + 1, accepts4k: 0, acceptSizeMismatch: 0 });
    expect(r.pool.poolBytes).toBe(0);
  });

  it('a block that cannot be made private again is leaked (counted, never reused) and the free still succeeds', async () => {
    const r = rig({ shrinkIdleMs: 0, initialBlocks: 0 });
    must(await r.a.init());
    const b = must(await r.a.alloc(4096));
    const pfn = r.pool.poolBlocks[0]!.pfn;
    r.m.faults.mapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    must(await r.a.free(b));
    expect(leaked(r.m)).toBe(512);
    expect(r.m.page(pfn)).toMatchObject({ owner: Owner.Leaked, state: PageState.Shared, directMapEncrypted: false });
    expect(r.m.dmesg.some((l) => l.includes('shared pool: set_memory_encrypted'))).toBe(true);
    const again = must(await r.a.alloc(4096));
    expect(r.pool.poolBlocks[0]!.pfn).not.toBe(pfn);
    must(await r.a.free(again));
    expect(r.m.violations).toEqual([]);
  });
});

describe('init and shutdown failures', () => {
  it('init under a refused MapGPA leaks the block and returns EIO; a later init works', async () => {
    const r = rig();
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.init(), 'EIO');
    expect(leaked(r.m)).toBe(512);
    must(await r.a.init());
    expect(r.pool.poolBytes).toBe(2 * MiB);
  });

  it('a failed second block at init gives the first back: nothing stays shared', async () => {
    const r = rig({ initialBlocks: 2 });
    const shared0 = r.m.counters.sharedPages;
    const clear = r.m.faults.failAllocations(1);
    expectErr(await r.a.init(), 'ENOMEM');
    clear();
    expect(r.m.counters.sharedPages).toBe(shared0);
    expect(leaked(r.m)).toBe(0);
  });

  it('shutdown leaks a block whose conversion fails, still releases the others, and reports EIO', async () => {
    const r = rig({ initialBlocks: 2 });
    must(await r.a.init());
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.shutdown(), 'EIO');
    expect(leaked(r.m)).toBe(512);
    expect(r.m.counters.sharedPages - r.m.bootCounters.sharedPages).toBe(512);
    expect(r.pool.poolBytes).toBe(0);
  });
});
