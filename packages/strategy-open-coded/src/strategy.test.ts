import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GiB, PAGE_SIZE, PageState, TDX_STATUS, capabilitiesOf, type AcceptLevel } from '@tdx-shbuf/core';
import { acceptRange } from './accept.js';
import strategy from './index.js';
import { expectErr, must, strategyRig as rig } from '@tdx-shbuf/conformance';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const pfnOfGpa = (r: ReturnType<typeof rig>, gpa: number) => (gpa - r.kernel.sharedBit) / PAGE_SIZE;
const leaked = (r: ReturnType<typeof rig>) => r.m.counters.leakedPages - r.m.bootCounters.leakedPages;

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
    expect(strategy.options.parse({})).toEqual({ preallocateBytes: 0, tlbFlush: false });
    expect(strategy.options.safeParse({ preallocateBytes: 1000 }).success).toBe(false);
  });
});

describe("Kai Huang's sketch: alloc_pages, vmap(pgprot_decrypted), clflush, MapGPA", () => {
  it('shares the pages without set_memory_*: no vm_unmap_aliases, no direct-map change', async () => {
    const r = rig(strategy);
    must(await r.a.init());
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    const pfn = pfnOfGpa(r, b.sharedGpas[0]!.gpa);
    expect(d()).toMatchObject({ setMemoryCalls: 0, vmUnmapAliases: 0, directMapLevel2Splits: 0, directMapLevel3Splits: 0, pagesConvertedToShared: 2, cacheLinesFlushed: 128, mapGpaCalls: 1 });
    expect([r.m.page(pfn).state, r.m.page(pfn + 1).state]).toEqual([PageState.Shared, PageState.Shared]);
    expect(r.m.page(pfn).directMapEncrypted).toBe(true);
    must(b.write(0, new Uint8Array([0xaa])));
    expect(r.m.host.readShared(b.sharedGpas[0]!.gpa, 1)![0]).toBe(0xaa);
    must(await r.a.free(b));
    expect(d()).toMatchObject({ pagesConvertedToPrivate: 2, accepts4k: 2, accepts2m: 0, leakedPages: 0 });
    expect(r.m.page(pfn).state).toBe(PageState.PrivateAccepted);
    expect(r.m.violations).toEqual([]);
  });

  it("changes no PTE, so flushes no TLB; tlbFlush: true (Kirill's variant) flushes the direct-map alias once", async () => {
    for (const [tlbFlush, want] of [
      [false, { tlbFlushPages: 0, tlbFlushFull: 0, ipis: 0, ipiSendExits: 0 }],
      [true, { tlbFlushPages: 2 * 8, tlbFlushFull: 0, ipis: 7, ipiSendExits: 1 }],
    ] as const) {
      const r = rig(strategy, { tlbFlush });
      const d = r.mark();
      must(await r.a.alloc(8192));
      expect(d()).toMatchObject({ ...want, pagesConvertedToShared: 2 });
    }
  });

  it('tries 1G, then 2M, then 4K, and falls back on ANY failure of a larger accept as try_accept_one() does', () => {
    const r = rig(strategy, {}, { hostPrivateMapLevel: '2m' });
    const start = 10 * GiB;
    expect(r.kernel.tdxMapGpa(start, start + GiB, false)).toBe(true);
    expect(r.kernel.tdxMapGpa(start, start + GiB, true)).toBe(true); // pending, not accepted
    const tried: AcceptLevel[] = [];
    const raw = r.kernel.tdcallMemPageAccept;
    let busyOnce = true;
    (r.kernel as { tdcallMemPageAccept: typeof raw }).tdcallMemPageAccept = (gpa, level) => {
      tried.push(level);
      // one 2M accept fails with a status other than TDX_PAGE_SIZE_MISMATCH
      if (level === '2m' && busyOnce) {
        busyOnce = false;
        return TDX_STATUS.OPERAND_BUSY;
      }
      return raw(gpa, level);
    };
    const d = r.mark();
    expect(acceptRange(r.kernel, start, start + GiB)).toEqual({ ok: true });
    expect(tried.slice(0, 3)).toEqual(['1g', '2m', '4k']); // 1G: size mismatch (host maps 2M); 2M: busy → 4K
    expect(d()).toMatchObject({ accepts4k: 512, accepts2m: 511, acceptSizeMismatch: 1 });
    expect(r.m.page(start / PAGE_SIZE + 262143).state).toBe(PageState.PrivateAccepted);
  });

  it('accepts 2 MiB pieces where aligned when the host maps 2M, and falls back to 4K on TDX_PAGE_SIZE_MISMATCH', async () => {
    for (const [hostPrivateMapLevel, want] of [
      ['2m', { accepts2m: 2, accepts4k: 0, acceptSizeMismatch: 0 }],
      ['4k', { accepts2m: 0, accepts4k: 1024, acceptSizeMismatch: 2 }],
    ] as const) {
      const r = rig(strategy, {}, { hostPrivateMapLevel });
      const b = must(await r.a.alloc(4 * 1024 * 1024));
      expect(pfnOfGpa(r, b.sharedGpas[0]!.gpa) % 512).toBe(0);
      const d = r.mark();
      must(await r.a.free(b));
      expect(d()).toMatchObject({ ...want, pagesConvertedToPrivate: 1024, mapGpaCalls: 1 });
      expect(r.m.violations).toEqual([]);
    }
  });

  it('leaks the block on a MapGPA(shared) failure and on a MapGPA(private) failure', async () => {
    const r = rig(strategy);
    r.m.faults.mapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    expect(expectErr(await r.a.alloc(4096), 'EIO')).toMatch(/leaked/);
    expect(leaked(r)).toBe(1);
    expect(r.m.audit().vmapAliases).toBe(0);
    const b = must(await r.a.alloc(8192));
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.free(b), 'EIO');
    expect(leaked(r)).toBe(3);
    expect(r.m.violations).toEqual([]);
  });

  it('leaks the block when an ACCEPT fails with anything but a size mismatch', async () => {
    const r = rig(strategy);
    const b = must(await r.a.alloc(4096));
    const pfn = pfnOfGpa(r, b.sharedGpas[0]!.gpa);
    // The host answers MapGPA(private) without converting: the page is still shared, ACCEPT refuses it.
    const raw = r.kernel.tdvmcallMapGpa;
    (r.kernel as { tdvmcallMapGpa: typeof raw }).tdvmcallMapGpa = () => ({ status: 0n, r11: 0 });
    expect(expectErr(await r.a.free(b), 'EIO')).toMatch(/ACCEPT/);
    expect(r.m.page(pfn).owner).toBe(3); // Owner.Leaked
    expect(r.m.violations).toEqual([]);
  });

  it('EINVAL for sizes it cannot serve; EINVAL for a double free; EBUSY on shutdown with live buffers', async () => {
    const r = rig(strategy);
    expectErr(await r.a.alloc(4 * 1024 * 1024 + 1), 'EINVAL');
    expectErr(await r.a.alloc(-1), 'EINVAL');
    const b = must(await r.a.alloc(1));
    expectErr(await r.a.shutdown(), 'EBUSY');
    must(await r.a.free(b));
    expectErr(await r.a.free(b), 'EINVAL');
    must(await r.a.shutdown());
  });
});

describe('preallocateBytes (Kai: "allocate a default size buffer (i.e. 4 pages) ... during driver initialization")', () => {
  it('converts the default buffer once at init and reuses it for requests that fit', async () => {
    const r = rig(strategy, { preallocateBytes: 16384 });
    const d = r.mark();
    must(await r.a.init());
    expect(d()).toMatchObject({ pagesConvertedToShared: 4, mapGpaCalls: 1 });
    for (let i = 0; i < 5; i++) {
      const b = must(await r.a.alloc(16384 - i));
      expect(b.bytes).toBe(16384);
      must(await r.a.free(b));
    }
    expect(d()).toMatchObject({ pagesConvertedToShared: 4, pagesConvertedToPrivate: 0, mapGpaCalls: 1 });
  });

  it('converts for larger requests and for concurrent ones beyond the default buffer', async () => {
    const r = rig(strategy, { preallocateBytes: 16384 });
    must(await r.a.init());
    const d = r.mark();
    const first = must(await r.a.alloc(4096)); // the default buffer
    expect(d().pagesConvertedToShared).toBe(0);
    const second = must(await r.a.alloc(4096)); // concurrent: its own page
    const large = must(await r.a.alloc(65536)); // larger than the default
    expect(d().pagesConvertedToShared).toBe(1 + 16);
    expect(new Set([first, second, large].map((b) => b.sharedGpas[0]!.gpa)).size).toBe(3);
    for (const b of [second, large, first]) must(await r.a.free(b));
    expect(d().pagesConvertedToPrivate).toBe(17);
    const s = r.mark();
    must(await r.a.shutdown());
    expect(s()).toMatchObject({ pagesConvertedToPrivate: 4, accepts4k: 4 });
    expect(r.m.counters.sharedPages).toBe(r.m.bootCounters.sharedPages);
  });
});
