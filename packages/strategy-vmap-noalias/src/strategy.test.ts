import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageState, capabilitiesOf } from '@tdx-shbuf/core';
import strategy from './index.js';
import { expectErr, must, strategyRig as rig } from '@tdx-shbuf/conformance';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const pfnOfGpa = (r: ReturnType<typeof rig>, gpa: number) => (gpa - r.kernel.sharedBit) / PAGE_SIZE;

describe('definition', () => {
  it('reads meta from package.json and declares its capabilities', () => {
    expect(strategy.meta).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(capabilitiesOf(strategy, strategy.options.parse({}))).toEqual({
      maxBytes: 4 * 1024 * 1024,
      concurrent: true,
      needsDevice: false,
      touchesDirectMap: 'never',
      privateAliasWhileShared: true,
    });
    expect(capabilitiesOf(strategy, strategy.options.parse({ guardPage: true })).maxBytes).toBe(4 * 1024 * 1024 - 4096);
  });
  it('rejects unknown and mistyped options', () => {
    expect(strategy.options.safeParse({ guardPage: 'yes' }).success).toBe(false);
    expect(strategy.options.safeParse({ guard: true }).success).toBe(false);
  });
});

describe('alloc_pages + vmap(pgprot_decrypted) + set_memory_decrypted_noalias', () => {
  it('shares the pages through a vmap alias and leaves the direct map private and unsplit', async () => {
    const r = rig(strategy);
    must(await r.a.init());
    const dm0 = r.m.meminfo();
    const d = r.mark();
    const b = must(await r.a.alloc(3 * 4096 + 1));
    expect(b.bytes).toBe(4 * 4096);
    const pfn = pfnOfGpa(r, b.sharedGpas[0]!.gpa);
    expect(r.kernel.virtToPhys(b.kva).ok).toBe(false); // a vmalloc address, not direct-mapped
    for (let i = 0; i < 4; i++) {
      expect(r.m.page(pfn + i).state).toBe(PageState.Shared);
      expect(r.m.page(pfn + i).directMapEncrypted).toBe(true); // the private alias stays mapped
    }
    expect(r.m.meminfo()).toEqual(dm0);
    expect(d()).toMatchObject({ directMapLevel3Splits: 0, directMapLevel2Splits: 0, pagesConvertedToShared: 4, privateAliasedSharedPages: 4 });
    // The host sees what the guest writes through the vmap alias.
    must(b.write(10, new Uint8Array([7, 8, 9])));
    expect([...r.m.host.readShared(b.sharedGpas[0]!.gpa + 10, 3)!]).toEqual([7, 8, 9]);
    must(await r.a.free(b));
    expect(r.m.page(pfn).state).toBe(PageState.PrivateAccepted);
    expect(d()).toMatchObject({ pagesConvertedToPrivate: 4, accepts4k: 4, privateAliasedSharedPages: 0 });
    expect(r.m.audit().vmapAliases).toBe(0);
    expect(r.m.violations).toEqual([]);
  });

  it('refuses sizes above one MAX_PAGE_ORDER block and non-positive sizes with EINVAL', async () => {
    const r = rig(strategy);
    expectErr(await r.a.alloc(4 * 1024 * 1024 + 1), 'EINVAL');
    expectErr(await r.a.alloc(0), 'EINVAL');
    expectErr(await rig(strategy, { guardPage: true }).a.alloc(4 * 1024 * 1024), 'EINVAL');
  });

  it('serves concurrent buffers on disjoint pages; shutdown refuses while any is live', async () => {
    const r = rig(strategy);
    const bs = [];
    for (let i = 0; i < 4; i++) bs.push(must(await r.a.alloc(8192)));
    const gpas = new Set(bs.map((b) => b.sharedGpas[0]!.gpa));
    expect(gpas.size).toBe(4);
    expectErr(await r.a.shutdown(), 'EBUSY');
    for (const b of bs) must(await r.a.free(b));
    must(await r.a.shutdown());
  });

  it('leaks the block when set_memory_encrypted_noalias fails', async () => {
    const r = rig(strategy);
    const b = must(await r.a.alloc(8192));
    const pfn = pfnOfGpa(r, b.sharedGpas[0]!.gpa);
    r.m.faults.mapGpa({ kind: 'retry-out-of-range' });
    expectErr(await r.a.free(b), 'EIO');
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(2);
    expect(r.m.page(pfn).owner).toBe(3); // Owner.Leaked
    expect(r.m.violations).toEqual([]);
  });

  it('leaks the block when set_memory_decrypted_noalias fails in alloc', async () => {
    const r = rig(strategy, { guardPage: true });
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.alloc(4096), 'EIO');
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(2); // order 1: guard + buffer
    expect(r.m.audit().vmapAliases).toBe(0);
    expect(r.m.violations).toEqual([]);
  });
});

describe("guardPage (Dave Hansen's load_unaligned_zeropad mitigation)", () => {
  for (const bytes of [4096, 8192, 5 * 4096]) {
    it(`${bytes} bytes: a shared page right after in-use private memory is a hazard without the guard, none with it`, async () => {
      const without = rig(strategy);
      const d0 = without.mark();
      must(await without.a.alloc(bytes));
      expect(d0().hazardUnalignedZeropad).toBeGreaterThan(0);

      const guarded = rig(strategy, { guardPage: true });
      const d1 = guarded.mark();
      const b = must(await guarded.a.alloc(bytes));
      expect(d1().hazardUnalignedZeropad).toBe(0);
      // The page before the buffer belongs to the same allocation and is not shared.
      const pfn = pfnOfGpa(guarded, b.sharedGpas[0]!.gpa);
      expect(guarded.m.page(pfn - 1).allocId).toBe(guarded.m.page(pfn).allocId);
      expect(guarded.m.page(pfn - 1).state).toBe(PageState.PrivateAccepted);
      must(await guarded.a.free(b));
      expect(guarded.m.violations).toEqual([]);
    });
  }

  it('costs one order more: one page becomes an order-1 block (guard + buffer), freed whole', async () => {
    const r = rig(strategy, { guardPage: true });
    const free0 = r.m.audit().freeListPages;
    const b = must(await r.a.alloc(4096));
    expect(free0 - r.m.audit().freeListPages).toBe(2);
    must(await r.a.free(b));
    expect(r.m.audit().freeListPages).toBe(free0);
  });
});
