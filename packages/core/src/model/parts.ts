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
}

/**
 * Boot: validate the platform, lay out RAM as QEMU q35 does, then start_kernel's
 * memory steps in order — memblock reservations, swiotlb_init(), memblock_free_all(),
 * the direct map, mem_encrypt_init() (the SWIOTLB pool decrypted), and
 * dma_atomic_pool_init(). The fault plan is armed once boot is done.
 */
export function bootParts(input: PlatformConfigInput): MachineParts {
  const config = platformSchema.parse(input);
  const sim = createSim(config);
  const sharedBit = 2 ** (config.gpaw - 1);
  const ram = q35Layout(config.memoryBytes);
  const maxPfn = ram[ram.length - 1]!.endPfn;
  const mem = new GuestMemory(maxPfn, ram, sim.counters, () => sim.sched.now());
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
  );

  // memblock: reserve the first MiB and the kernel image at CONFIG_PHYSICAL_START.
  mem.transfer(0, MiB / PAGE_SIZE, Owner.Reserved);
  mem.transfer((16 * MiB) / PAGE_SIZE, config.kernelImageBytes / PAGE_SIZE, Owner.Reserved);
  // swiotlb_init(): memblock_alloc_low() of the pool, top-down below 4 GiB, sized by swiotlb_init_remap().
  const geometry = swiotlbGeometry(config.swiotlbBytes ?? swiotlbDefaultBytes(config.memoryBytes), config.vcpus, config.swiotlbAreas);
  const swiotlbBytes = geometry.bytes;
  const low = ram[0]!;
  const poolPfn = low.endPfn - swiotlbBytes / PAGE_SIZE;
  if (poolPfn < (16 * MiB + config.kernelImageBytes) / PAGE_SIZE) throw new ConfigError(`platform.swiotlbBytes: ${swiotlbBytes} bytes do not fit below 4 GiB`, { code: 'platform' });
  mem.transfer(poolPfn, swiotlbBytes / PAGE_SIZE, Owner.Swiotlb);
  pages.freeBootMemory();

  const directMap = new DirectMap(maxPfn, ram, config.gbPages, sim.counters, {
    allocPageTable: () => pages.allocPages(0, 'Normal') !== undefined,
    flushTlbAll: () => flushTlbAll(sim, 'split'),
  });
  const exposure = new AliasExposure(mem, directMap, sim.counters);
  const tdx = new TdxModule(sim, mem, exposure);
  const irqs = new IrqTable(sim);
  const host = new Host(sim, { memslots: ram, memory: new SharedBacking(mem), sept: tdx, irq: irqs, quoteFaults: config.faults.quoteService });
  const guest: Guest = { ...sim, mem, pages, directMap, vmap: new VmapArea(), exposure, tdcall: tdx, tdvmcall: host, sharedBit, workqueue: new Workqueue(sim) };

  // mem_encrypt_init() → swiotlb_update_mem_attributes(): the whole pool decrypted once.
  const swiotlb = new Swiotlb(sim, poolPfn, geometry);
  const r = setMemoryEnc(guest, pageAddress(poolPfn), swiotlbBytes / PAGE_SIZE, false, true);
  if (!r.ok) throw new Error(`boot: decrypting the SWIOTLB pool failed: ${r.error.message}`);
  // dma_atomic_pool_init(): the pre-decrypted atomic pools.
  const dma = new DmaDirect(guest, swiotlb);
  dma.atomicPoolInit();
  const kernel = createKernel(guest, { dma, irqs });
  const bootCounters = { ...sim.counters };
  sim.faults.armed = true;
  return { sim, ram, sharedBit, mem, pages, directMap, vmap: guest.vmap, exposure, tdx, host, guest, irqs, swiotlb, dma, kernel, workqueue: guest.workqueue, bootCounters };
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
