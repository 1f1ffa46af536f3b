import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PageState, capabilitiesOf, loadStrategy, type Machine } from '@tdx-shbuf/core';
import strategy from './index.js';
import { expectErr, must, strategyRig as rig } from '@tdx-shbuf/conformance';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
/** is_swiotlb_buffer(): whether `pa` lies in the SWIOTLB pool, from the machine's page audit. */
const inSwiotlb = (m: Machine, pa: number) => {
  const { startPa, bytes } = m.audit().swiotlb;
  return pa >= startPa && pa < startPa + bytes;
};
const caps = (mode: string) => capabilitiesOf(strategy, strategy.options.parse({ mode }));

describe('definition', () => {
  it('reads meta from package.json; capabilities depend on the mode', () => {
    expect(strategy.meta).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(strategy.options.parse({})).toEqual({ mode: 'streaming' });
    const common = { concurrent: true, needsDevice: true, privateAliasWhileShared: false };
    expect(caps('streaming')).toEqual({ ...common, maxBytes: 256 * 1024, touchesDirectMap: 'init' });
    expect(caps('coherent')).toEqual({ ...common, maxBytes: 4 * 1024 * 1024, touchesDirectMap: 'per-alloc' });
    expect(caps('atomic')).toEqual({ ...common, maxBytes: 128 * 1024, touchesDirectMap: 'init' });
  });
  it('is refused by the loader on a platform without a device, and a bad mode names the key', async () => {
    const entry = new URL('./index.ts', import.meta.url).pathname;
    await expect(loadStrategy(entry, { fromDir: process.cwd(), requirements: { deviceAvailable: false } })).rejects.toThrow(/needs a DMA device/);
    await expect(loadStrategy([entry, { mode: 'swiotlb' }], { fromDir: process.cwd() })).rejects.toThrow(/options\.mode:/);
  });
});

describe('mode: streaming (dma_map_single through SWIOTLB)', () => {
  it('hands out a private kernel buffer whose device address is a SWIOTLB slot, bouncing on every sync', async () => {
    const r = rig(strategy);
    must(await r.a.init());
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    const kpa = must(r.kernel.virtToPhys(b.kva));
    expect(r.m.page(kpa / PAGE_SIZE).state).toBe(PageState.PrivateAccepted); // the kernel buffer is never shared
    const gpa = b.sharedGpas[0]!.gpa;
    expect(inSwiotlb(r.m, gpa - r.kernel.sharedBit)).toBe(true);
    expect(d()).toMatchObject({ bytesBounced: 8192, pagesConvertedToShared: 0, swiotlbMaps: 1 }); // map copies to the slot

    // Guest → host only after dma_sync_single_for_device.
    must(b.write(0, new Uint8Array([1, 2, 3])));
    expect([...r.m.host.readShared(gpa, 3)!]).toEqual([0, 0, 0]);
    must(b.syncForDevice(0, 3));
    expect([...r.m.host.readShared(gpa, 3)!]).toEqual([1, 2, 3]);
    // Host → guest only after dma_sync_single_for_cpu.
    expect(r.m.host.writeShared(gpa + 100, new Uint8Array([9, 9]))).toBe(true);
    expect([...must(b.read(100, 2))]).toEqual([0, 0]);
    must(b.syncForCpu(100, 2));
    expect([...must(b.read(100, 2))]).toEqual([9, 9]);
    expect(d().bytesBounced).toBe(8192 + 3 + 2);

    must(await r.a.free(b)); // dma_unmap_single(BIDIRECTIONAL) copies back
    expect(d()).toMatchObject({ bytesBounced: 2 * 8192 + 5, pagesConvertedToShared: 0, pagesConvertedToPrivate: 0, directMapLevel2Splits: 0 });
    expect(r.m.audit().swiotlb.usedSlots).toBe(0);
    expect(r.m.violations).toEqual([]);
  });

  it('refuses more than dma_max_mapping_size() with EINVAL before mapping anything', async () => {
    const r = rig(strategy);
    const d = r.mark();
    expect(expectErr(await r.a.alloc(256 * 1024 + 1), 'EINVAL')).toMatch(/dma_max_mapping_size/);
    expect(d()).toMatchObject({ swiotlbMaps: 0, swiotlbFull: 0 });
    must(await r.a.free(must(await r.a.alloc(256 * 1024))));
  });

  it('reports an exhausted pool as ENOMEM with the kernel\'s "swiotlb buffer is full" message when it maps, and frees the kernel buffer', async () => {
    // 256 MiB guest with a 512 KiB pool: two 256 KiB mappings fill it.
    const r = rig(strategy, {}, { memoryBytes: 256 * 2 ** 20, swiotlbBytes: 512 * 1024, vcpus: 1 });
    const held = [must(await r.a.alloc(256 * 1024)), must(await r.a.alloc(256 * 1024))];
    for (const b of held) must(b.syncForDevice(0, 256 * 1024)); // dma_map_single after the driver wrote
    const free0 = r.m.audit().freeListPages;
    const b = must(await r.a.alloc(4096)); // the kernel buffer; nothing is mapped before the write
    const msg = expectErr(b.syncForDevice(0, 4096), 'ENOMEM');
    expect(msg).toMatch(/swiotlb buffer is full \(sz: 4096 bytes\), total 256 \(slots\), used 256 \(slots\)/);
    expect(b.sharedGpas).toEqual([]);
    must(await r.a.free(b));
    expect(r.m.audit().freeListPages).toBe(free0);
    for (const h of held) must(await r.a.free(h));
    must(await r.a.free(must(await r.a.alloc(4096))));
    expect(r.m.violations).toEqual([]);
  });

  it('maps after the request is written: one bounce in, at the first syncForDevice; none at alloc', async () => {
    const r = rig(strategy);
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    expect(d()).toMatchObject({ bytesBounced: 0, swiotlbMaps: 0 });
    must(b.write(0, new Uint8Array(8192).fill(5)));
    must(b.syncForDevice(0, 8192)); // dma_map_single: the map's copy is the request's only bounce
    expect(d()).toMatchObject({ bytesBounced: 8192, swiotlbMaps: 1 });
    expect([...r.m.host.readShared(b.sharedGpas[0]!.gpa, 2)!]).toEqual([5, 5]);
    must(b.syncForDevice(0, 8)); // a later sync copies its range
    expect(d().bytesBounced).toBe(8192 + 8);
    must(await r.a.free(b));
  });
});

describe('mode: coherent (blocking dma_alloc_coherent)', () => {
  it('decrypts fresh pages IN THE DIRECT MAP on every alloc and re-encrypts them on free', async () => {
    const r = rig(strategy, { mode: 'coherent' });
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    const pa = must(r.kernel.virtToPhys(b.kva)); // a direct-map address
    expect(r.m.page(pa / PAGE_SIZE).directMapEncrypted).toBe(false);
    expect(inSwiotlb(r.m, pa)).toBe(false); // not from SWIOTLB (the docs/model.md §1 correction)
    expect(b.sharedGpas).toEqual([{ gpa: pa + r.kernel.sharedBit, bytes: 8192 }]);
    expect(d()).toMatchObject({ pagesConvertedToShared: 2, setMemoryCalls: 1, directMapLevel2Splits: 1 });
    must(await r.a.free(b));
    expect(d()).toMatchObject({ pagesConvertedToPrivate: 2, setMemoryCalls: 2, bytesBounced: 0 });
  });

  it('leaks the pages when the host refuses the conversion back ("leaking DMA memory that can\'t be re-encrypted")', async () => {
    const r = rig(strategy, { mode: 'coherent' });
    const b = must(await r.a.alloc(4096));
    r.m.faults.mapGpa({ kind: 'error' });
    expectErr(await r.a.free(b), 'EIO');
    expect(r.m.counters.leakedPages - r.m.bootCounters.leakedPages).toBe(1);
    expect(r.m.dmesg.some((l) => l.includes("leaking DMA memory that can't be re-encrypted"))).toBe(true);
    expect(r.m.violations).toEqual([]);
  });
});

describe('mode: atomic (dma_alloc_coherent(GFP_ATOMIC) from the atomic pool)', () => {
  it('serves from the pool decrypted at boot: no conversion, no flush', async () => {
    const r = rig(strategy, { mode: 'atomic' });
    const d = r.mark();
    const b = must(await r.a.alloc(8192));
    const pfn = must(r.kernel.virtToPhys(b.kva)) / PAGE_SIZE;
    const pool = r.m.audit().atomicPools.find((p) => pfn >= p.pfn && pfn < p.pfn + p.pages);
    expect(pool?.zone).toBe('Normal');
    must(await r.a.free(b));
    expect(d()).toMatchObject({ pagesConvertedToShared: 0, pagesConvertedToPrivate: 0, setMemoryCalls: 0, tlbFlushPages: 0, mapGpaCalls: 0 });
  });

  it('falls back kernel → DMA32 → DMA, ENOMEM once all are full before atomic_pool_work ran; the work grows them; EINVAL above 128 KiB', async () => {
    const r = rig(strategy, { mode: 'atomic' });
    expectErr(await r.a.alloc(128 * 1024 + 1), 'EINVAL');
    // 16 GiB → 2 MiB pools: sixteen 128 KiB buffers fill each of the three (dma_guess_pool falls back).
    const held = [];
    for (let i = 0; i < 48; i++) held.push(must(await r.a.alloc(128 * 1024)));
    expectErr(await r.a.alloc(4096), 'ENOMEM');
    const d = r.mark();
    await r.m.flushWork(); // the kworker: every pool below atomic_pool_size grows by its size
    expect(d()).toMatchObject({ atomicPoolExpansions: 3, pagesConvertedToShared: 3 * 512 });
    held.push(must(await r.a.alloc(4096)));
    for (const b of held) must(await r.a.free(b));
    must(await r.a.shutdown());
    expect(r.m.violations).toEqual([]);
  });
});
