import { platformSchema, type PlatformConfigInput } from '../platform/config.js';
import { swiotlbDefaultBytes, swiotlbGeometry, Swiotlb } from './guest/dma/swiotlb.js';
import { createSim, type Sim } from './sim/sim.js';
import type { Counters } from './sim/metrics.js';
import { GuestMemory, Owner, type RamRange } from './memory/phys-mem.js';
import { SharedBacking } from './memory/shared-backing.js';
import { AliasExposure } from './sim/alias-exposure.js';
import { PageAllocator } from './guest/mm/page-alloc.js';
import { DirectMap } from './guest/mm/direct-map.js';
import { VmapArea } from './guest/mm/vmalloc.js';
import { flushTlbAll } from './guest/mm/tlb.js';
import { setMemoryEnc } from './guest/mm/set-memory.js';
import { DmaDirect } from './guest/dma/direct.js';
import { IrqTable } from './guest/irq.js';
import { Workqueue } from './guest/workqueue.js';
import { createKernel } from './guest/kernel-api.js';
import type { Guest } from './guest/guest.js';
import { TdxModule } from './tdx-module/tdx-module.js';
import { Host } from './host/host.js';
import type { Kernel } from '../contract/kernel.js';
import { ConfigError } from '../contract/errors.js';
import { GiB, MiB, PAGE_SIZE, pageAddress } from '../abi/units.js';
import { UnacceptedMemory, initiallyUnaccepted } from './guest/efi/unaccepted-memory.js';
import { tdxAcceptMemory } from './guest/coco/tdx.js';
import { initPerZoneWmarkMin } from './guest/mm/watermarks.js';
import { kernelLayout, markRodataRo } from './guest/boot/kernel-image.js';
import { probeVirtioDevice } from './guest/dma/virtio-ring.js';

/**
 * Every part of one booted machine. Core's own code and tests use these; the
 * public Machine (machine.ts) shows only its observation and fault API.
 */
export interface MachineParts {
  readonly sim: Sim;
  readonly ram: readonly RamRange[];
  readonly sharedBit: number;
  readonly mem: GuestMemory;
  readonly pages: PageAllocator;
  readonly directMap: DirectMap;
  readonly vmap: VmapArea;
  readonly exposure: AliasExposure;
  readonly tdx: TdxModule;
  readonly host: Host;
  readonly guest: Guest;
  readonly irqs: IrqTable;
  readonly swiotlb: Swiotlb;
  readonly dma: DmaDirect;
  readonly kernel: Kernel;
  readonly workqueue: Workqueue;
  /** Counters as they stood when boot finished. */
  readonly bootCounters: Readonly<Counters>;
  /** direct_pages_count[] (4K, 2M, 1G pages) when boot finished. */
  readonly bootDirectMapPages: readonly number[];
}

/**
 * Boot: validate the platform, lay out RAM as QEMU q35 does (TDVF having
 * accepted what lies below 4 GiB, the rest unaccepted with
 * CONFIG_UNACCEPTED_MEMORY), then start_kernel's memory steps in order
 * (docs/model.md §3 "Boot state"): memblock reservations and setup_arch()'s
 * init_mem_mapping(); mm_core_init(): swiotlb_init() (arch_mm_preinit, its
 * memblock reservation made first here, which the direct map cannot see) and
 * memblock_free_all() (unaccepted MAX_PAGE_ORDER blocks to the zones'
 * unaccepted lists); arch_cpu_finalize_init() → mem_encrypt_init() (the
 * SWIOTLB pool decrypted); the postcore initcalls dma_atomic_pool_init()
 * (kernel, DMA, DMA32 pools; before the watermarks exist each allocation
 * accepts one block) and then init_per_zone_wmark_min() (kernel/ links before
 * mm/); the devices probed at device_initcall (virtio rings);
 * mark_rodata_ro(); the rest of boot leaves every zone at its promo watermark
 * of accepted memory. The fault plan is armed once boot is done; kworker work
 * (atomic pool growth, lazy vmap purges) only starts after it.
 */
export function bootParts(input: PlatformConfigInput): MachineParts {
  const config = platformSchema.parse(input);
  const sim = createSim(config);
  const sharedBit = 2 ** (config.gpaw - 1);
  const ram = q35Layout(config.memoryBytes);
  const maxPfn = ram[ram.length - 1]!.endPfn;
  const pending = config.unacceptedMemory ? initiallyUnaccepted(ram, (4 * GiB) / PAGE_SIZE) : [];
  const mem = new GuestMemory(maxPfn, ram, sim.counters, () => sim.sched.now(), pending);
  // arch_accept_memory() → tdx_accept_memory(), which panics on failure; the guest is built below.
  let guest: Guest | undefined;
  const acceptor = (s: number, e: number) => {
    if (!tdxAcceptMemory(guest!, s * PAGE_SIZE, e * PAGE_SIZE)) throw new Error('TDX: Failed to accept memory'); // panic()
  };
  const unaccepted = pending.length ? new UnacceptedMemory(maxPfn, pending, sim.counters, sim.sched, acceptor) : undefined;
  const pages = new PageAllocator(
    [
      { name: 'DMA', startPfn: 0, endPfn: (16 * MiB) / PAGE_SIZE },
      { name: 'DMA32', startPfn: (16 * MiB) / PAGE_SIZE, endPfn: Math.min(maxPfn, (4 * GiB) / PAGE_SIZE) },
      { name: 'Normal', startPfn: (4 * GiB) / PAGE_SIZE, endPfn: Math.max(maxPfn, (4 * GiB) / PAGE_SIZE + 1) },
    ],
    mem,
    sim.inv,
    sim.counters,
    sim.sched,
    sim.cost,
    sim.faults,
    unaccepted,
  );

  // memblock: reserve the first MiB and the kernel image at CONFIG_PHYSICAL_START.
  const imagePfn = (16 * MiB) / PAGE_SIZE;
  const layout = kernelLayout(imagePfn, config.kernelSections);
  if (layout.endRodataHpageAlign > imagePfn + config.kernelImageBytes / PAGE_SIZE) {
    throw new ConfigError(`platform.kernelSections: text and rodata, each rounded up to 2 MiB, do not fit in kernelImageBytes (${config.kernelImageBytes})`, { code: 'platform' });
  }
  mem.transfer(0, MiB / PAGE_SIZE, Owner.Reserved);
  mem.transfer(imagePfn, config.kernelImageBytes / PAGE_SIZE, Owner.Reserved);
  // swiotlb_init(): memblock_alloc_low() of the pool, top-down below 4 GiB, sized by swiotlb_init_remap().
  const geometry = swiotlbGeometry(config.swiotlbBytes ?? swiotlbDefaultBytes(config.memoryBytes), config.vcpus, config.swiotlbAreas);
  const swiotlbBytes = geometry.bytes;
  const low = ram[0]!;
  const poolPfn = low.endPfn - swiotlbBytes / PAGE_SIZE;
  if (poolPfn < (16 * MiB + config.kernelImageBytes) / PAGE_SIZE) throw new ConfigError(`platform.swiotlbBytes: ${swiotlbBytes} bytes do not fit below 4 GiB`, { code: 'platform' });
  mem.transfer(poolPfn, swiotlbBytes / PAGE_SIZE, Owner.Swiotlb);

  // setup_arch() → init_mem_mapping().
  const directMap = new DirectMap(maxPfn, ram, config.gbPages, sim.counters, {
    allocPageTable: () => pages.allocPages(0, 'Normal') !== undefined,
    flushTlbAll: () => flushTlbAll(sim, 'split'),
  });
  const exposure = new AliasExposure(mem, directMap, sim.counters);
  const tdx = new TdxModule(sim, mem, exposure, acceptedAtBuild(ram, pending));
  const irqs = new IrqTable(sim);
  const host = new Host(sim, { memslots: ram, memory: new SharedBacking(mem), sept: tdx, irq: irqs, quoteFaults: config.faults.quoteService });
  guest = { ...sim, mem, pages, directMap, vmap: new VmapArea(), exposure, tdcall: tdx, tdvmcall: host, sharedBit, workqueue: new Workqueue(sim) };
  // mm_core_init() → memblock_free_all().
  pages.freeBootMemory();

  // mem_encrypt_init() → swiotlb_update_mem_attributes(): the whole pool decrypted once.
  const swiotlb = new Swiotlb(sim, poolPfn, geometry);
  const r = setMemoryEnc(guest, pageAddress(poolPfn), swiotlbBytes / PAGE_SIZE, false, true);
  if (!r.ok) throw new Error(`boot: decrypting the SWIOTLB pool failed: ${r.error.message}`);
  // postcore_initcall: dma_atomic_pool_init(), then init_per_zone_wmark_min().
  const dma = new DmaDirect(guest, swiotlb);
  dma.atomicPoolInit();
  initPerZoneWmarkMin(pages.zones);
  // device_initcall: virtio devices set up their rings at probe.
  config.bootConverters.forEach((dev, i) => {
    const probed = probeVirtioDevice(dma, dev);
    if (!probed.ok) throw new ConfigError(`platform.bootConverters[${i}]: ${probed.message}`, { code: 'platform' });
  });
  // kernel_init() → mark_readonly() → mark_rodata_ro().
  markRodataRo(guest, layout);
  // The rest of boot (init, udev, …) allocates from every zone: each is at its promo watermark.
  for (const z of pages.zones) pages.condAcceptMemory(z, 0); // each TDG.MEM.PAGE.ACCEPT charges its 'accept' phase
  const kernel = createKernel(guest, { dma, irqs });
  const bootCounters = { ...sim.counters };
  sim.faults.armed = true;
  return {
    sim,
    ram,
    sharedBit,
    mem,
    pages,
    directMap,
    vmap: guest.vmap,
    exposure,
    tdx,
    host,
    guest,
    irqs,
    swiotlb,
    dma,
    kernel,
    workqueue: guest.workqueue,
    bootCounters,
    bootDirectMapPages: [...directMap.pagesAt],
  };
}

/** RAM minus what starts unaccepted: what the TD has accepted when the kernel starts. */
function acceptedAtBuild(ram: readonly RamRange[], pending: readonly RamRange[]): RamRange[] {
  const out: RamRange[] = [];
  for (const r of ram) {
    let at = r.startPfn;
    for (const p of pending.filter((q) => q.startPfn >= r.startPfn && q.endPfn <= r.endPfn)) {
      if (p.startPfn > at) out.push({ startPfn: at, endPfn: p.startPfn });
      at = p.endPfn;
    }
    if (r.endPfn > at) out.push({ startPfn: at, endPfn: r.endPfn });
  }
  return out;
}

/**
 * QEMU q35 RAM layout (hw/i386/pc_q35.c): with more than 2.75 GiB of RAM, 2 GiB
 * stay below 4 GiB and the rest starts at 4 GiB; otherwise all of it is low.
 */
export function q35Layout(bytes: number): RamRange[] {
  const low = bytes >= 0xb0000000 ? 2 * GiB : bytes;
  const out: RamRange[] = [{ startPfn: 0, endPfn: low / PAGE_SIZE }];
  if (bytes > low) out.push({ startPfn: (4 * GiB) / PAGE_SIZE, endPfn: (4 * GiB + bytes - low) / PAGE_SIZE });
  return out;
}
