import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, capabilitiesOf, loadStrategy } from '@tdx-shbuf/core';
import strategy, { DIRECT_MAP_MAX_BYTES } from '../src/index.js';
import { expectErr, must, strategyRig as rig } from '@tdx-shbuf/conformance';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const pfnOf = (r: ReturnType<typeof rig>, kva: number) => must(r.kernel.virtToPhys(kva)) / PAGE_SIZE;

describe('definition', () => {
  it('reads meta from package.json', () => {
    expect(strategy.kind).toBe('tdx-shbuf-strategy');
    expect(strategy.meta).toMatchObject({ name: pkg.name, version: pkg.version });
  });
  it('defaults to one buffer converted at init, of the size it is created for, up to one MAX_PAGE_ORDER block', () => {
    const o = strategy.options.parse({});
    expect(o).toEqual({ convert: 'init' });
    expect(DIRECT_MAP_MAX_BYTES).toBe(4 * 1024 * 1024);
    expect(capabilitiesOf(strategy, o)).toEqual({ maxBytes: DIRECT_MAP_MAX_BYTES, concurrent: false, needsDevice: false, touchesDirectMap: 'init', privateAliasWhileShared: false });
  });
  it('per-request is concurrent and touches the direct map per alloc', () => {
    const o = strategy.options.parse({ convert: 'per-request' });
    expect(capabilitiesOf(strategy, o)).toMatchObject({ maxBytes: DIRECT_MAP_MAX_BYTES, concurrent: true, touchesDirectMap: 'per-alloc' });
  });
  it('has no buffer-size option: the driver’s bufferBytes is the only source, and a stale bufferBytes option is refused by name', async () => {
    const entry = new URL('./index.ts', import.meta.url).pathname;
    await expect(loadStrategy([entry, { bufferBytes: 8192 }], { fromDir: process.cwd() })).rejects.toThrow(/options: .*bufferBytes/);
    await expect(loadStrategy([entry, { convert: 'sometimes' }], { fromDir: process.cwd() })).rejects.toThrow(/options\.convert:/);
  });
});

describe('convert: "init" (alloc_quote_buf / free_quote_buf)', () => {
  it('converts the buffer in the direct map once, at init, and hands out the same buffer every time', async () => {
    const r = rig(strategy);
    const d = r.mark();
    must(await r.a.init());
    expect(d().pagesConvertedToShared).toBe(2);
    const b1 = must(await r.a.alloc(100));
    const pfn = pfnOf(r, b1.kva);
    // set_memory_decrypted changed the direct-map PTEs themselves: no private alias.
    expect([r.m.page(pfn).directMapEncrypted, r.m.page(pfn + 1).directMapEncrypted]).toEqual([false, false]);
    expect(b1.bytes).toBe(8192);
    expect(b1.sharedGpas).toEqual([{ gpa: pfn * PAGE_SIZE + r.kernel.sharedBit, bytes: 8192 }]);
    must(await r.a.free(b1));
    const b2 = must(await r.a.alloc(8192));
    expect(b2.kva).toBe(b1.kva);
    must(await r.a.free(b2));
    // Requests after init convert nothing.
    expect(d()).toMatchObject({ pagesConvertedToShared: 2, pagesConvertedToPrivate: 0, mapGpaCalls: 1 });
  });

  it('serves one request at a time: EBUSY while the buffer is out; EINVAL above GET_QUOTE_BUF_SIZE', async () => {
    const r = rig(strategy);
    must(await r.a.init());
    const b = must(await r.a.alloc(4096));
    expect(expectErr(await r.a.alloc(4096), 'EBUSY')).toMatch(/in use/);
    expectErr(await r.a.alloc(8193), 'EINVAL');
    expectErr(await r.a.alloc(0), 'EINVAL');
    expectErr(await r.a.shutdown(), 'EBUSY');
    must(await r.a.free(b));
    expectErr(await r.a.free(b), 'EINVAL');
  });

  it('alloc before init is ENODEV', async () => {
    expectErr(await rig(strategy).a.alloc(64), 'ENODEV');
  });

  it('serves the v7.0 GET_QUOTE_BUF_SIZE of 128 KiB when created for it, and nothing larger', async () => {
    const r = rig(strategy, {}, {}, { bytes: 128 * 1024 });
    const d = r.mark();
    must(await r.a.init());
    expect(d().pagesConvertedToShared).toBe(32);
    expectErr(await r.a.alloc(128 * 1024 + 1), 'EINVAL');
    const b = must(await r.a.alloc(128 * 1024));
    must(b.write(128 * 1024 - 4, new Uint8Array([1, 2, 3, 4])));
    expect([...must(b.read(128 * 1024 - 4, 4))]).toEqual([1, 2, 3, 4]);
    must(await r.a.free(b));
    must(await r.a.shutdown());
  });

  it('shutdown re-encrypts and frees the buffer', async () => {
    const r = rig(strategy);
    const free0 = r.m.audit().freeListPages;
    must(await r.a.init());
    const b = must(await r.a.alloc(64));
    const pfn = pfnOf(r, b.kva);
    must(await r.a.free(b));
    const d = r.mark();
    must(await r.a.shutdown());
    expect(d()).toMatchObject({ pagesConvertedToPrivate: 2, accepts4k: 2, leakedPages: 0 });
    expect(r.m.page(pfn).state).toBe(0); // PrivateAccepted
    // Both pages are back; only the page-table page of the (never undone) 2M split stays allocated.
    expect(r.m.audit().freeListPages).toBe(free0 - 1);
    expect(r.m.page(pfn).directMapEncrypted).toBe(true);
  });

  it('init failure leaks the pages and returns ENOMEM, as tdx_guest_init does', async () => {
    const r = rig(strategy);
    r.m.faults.mapGpa({ kind: 'error' });
    expect(expectErr(await r.a.init(), 'ENOMEM')).toMatch(/leaked/);
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(2);
    expect(r.m.violations).toEqual([]);
  });

  it('free_quote_buf leaks the buffer when set_memory_encrypted fails', async () => {
    const r = rig(strategy);
    must(await r.a.init());
    const b = must(await r.a.alloc(64));
    const pfn = pfnOf(r, b.kva);
    must(await r.a.free(b));
    r.m.faults.mapGpa({ kind: 'error' });
    const msg = expectErr(await r.a.shutdown(), 'EIO');
    expect(msg).toMatch(/leaked/);
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(2);
    expect(r.m.page(pfn).owner).toBe(3); // Owner.Leaked
    expect(r.m.violations).toEqual([]);
  });
});

describe('convert: "per-request" (the v5 patch)', () => {
  it('converts fresh pages on every alloc and re-encrypts them on free; buffers may be live together', async () => {
    const r = rig(strategy, { convert: 'per-request' });
    must(await r.a.init());
    const d = r.mark();
    const b1 = must(await r.a.alloc(8192));
    const b2 = must(await r.a.alloc(5000));
    expect(b2.kva).not.toBe(b1.kva);
    expect(b2.bytes).toBe(8192); // PAGE_ALIGN
    expect(d()).toMatchObject({ pagesConvertedToShared: 4, pagesConvertedToPrivate: 0, setMemoryCalls: 2 });
    must(await r.a.free(b1));
    must(await r.a.free(b2));
    expect(d()).toMatchObject({ pagesConvertedToShared: 4, pagesConvertedToPrivate: 4, accepts4k: 4, leakedPages: 0 });
    expectErr(await r.a.free(b1), 'EINVAL');
    must(await r.a.shutdown());
    expect(r.m.violations).toEqual([]);
  });

  it('the direct-map split a request makes is never undone when it is freed', async () => {
    const r = rig(strategy, { convert: 'per-request' });
    const dm0 = r.m.meminfo();
    const b = must(await r.a.alloc(8192));
    const dm1 = r.m.meminfo();
    // 8 KiB inside an intact 2M mapping: one 2M → 512×4K split.
    expect(dm1.DirectMap4k - dm0.DirectMap4k).toBe(2048);
    must(await r.a.free(b));
    expect(r.m.meminfo()).toEqual(dm1);
  });

  it('ENOMEM from split_large_page (no page-table page): ENOMEM, and the pages are leaked as upstream does, never freed', async () => {
    const r = rig(strategy, { convert: 'per-request' });
    const free0 = r.m.audit().freeListPages;
    // The buffer's alloc_pages succeeds; the page table of the 2M split (the next alloc_pages) does not.
    r.m.faults.failAllocations(1);
    const d = r.mark();
    expect(expectErr(await r.a.alloc(8192), 'ENOMEM')).toMatch(/leaked/);
    // 27834971f616: alloc_quote_buf() returns NULL and leaks whatever set_memory_decrypted() failed on
    expect(d()).toMatchObject({ mapGpaCalls: 0, pagesConvertedToShared: 0, leakedPages: 2, directMapLevel2Splits: 0 });
    expect(r.m.audit().freeListPages).toBe(free0 - 2);
    expect(r.m.violations).toEqual([]);
  });

  it('a failed re-encryption leaks the pages (EIO) and never frees shared memory', async () => {
    const r = rig(strategy, { convert: 'per-request' });
    const b = must(await r.a.alloc(4096));
    r.m.faults.mapGpa({ kind: 'retry-no-progress' }, { kind: 'retry-no-progress' }, { kind: 'retry-no-progress' });
    expectErr(await r.a.free(b), 'EIO');
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(1);
    expect(r.m.violations).toEqual([]);
  });
});
