import { platformSchema, type PlatformConfig, type PlatformConfigInput } from './platform-config.js';
import type { CostParams } from './cost.js';
import { Scheduler } from './scheduler.js';
import { newCounters, type Counters } from './metrics.js';
import { InvariantLog } from './invariants.js';
import { GuestMemory, Owner, type RamRange } from './memory.js';
import { PageAllocator } from './page-alloc.js';
import { DirectMap } from './direct-map.js';
import { VmapArea } from './vmap.js';
import { flushTlbAll } from './flush.js';
import { Vmm } from './vmm.js';
import { GetQuoteHost, quoteHostFaults } from './get-quote.js';
import { IrqTable } from './irq.js';
import { TdxModule } from './tdx-module.js';
import { Swiotlb, swiotlbDefaultBytes } from './swiotlb.js';
import { DmaDirect } from './dma.js';
import { setMemoryEnc } from './set-memory.js';
import { FaultPlan } from './faults.js';
import { Trace } from './trace.js';
import { GiB, MiB, PAGE_SIZE, DIRECT_MAP_BASE } from './units.js';

/**
 * One modeled TDX guest and its host, booted. Each part owns one piece of
 * state (docs/architecture.md "The platform model"); strategies reach it only through
 * `kernel` (see kernel.ts).
 */
export class Machine {
  readonly config: PlatformConfig;
  readonly cost: CostParams;
  readonly sched = new Scheduler();
  readonly counters: Counters = newCounters();
  readonly inv: InvariantLog;
  readonly ram: readonly RamRange[];
  readonly mem: GuestMemory;
  readonly pages: PageAllocator;
  readonly directMap: DirectMap;
  readonly vmap = new VmapArea();
  readonly tdx: TdxModule;
  readonly vmm: Vmm;
  /** QEMU's GetQuote / SetupEventNotifyInterrupt handling and the simulated quote service (get-quote.ts). */
  readonly quoteHost: GetQuoteHost;
  /** The guest's interrupt vectors and the host's injection into them (irq.ts). */
  readonly irqs: IrqTable;
  readonly swiotlb: Swiotlb;
  readonly dma: DmaDirect;
  /** The seeded fault plan (all rates zero unless configured). */
  readonly faults: FaultPlan;
  /** The timeline, when `trace: true`. */
  readonly trace: Trace | undefined;
  /** The shared bit, GPAW-1, as a GPA value (docs/model.md §2). */
  readonly sharedBit: number;
  /** Kernel log lines the model printed (WARNs, swiotlb messages). */
  readonly dmesg: string[] = [];
  /** Counters as they stood when boot finished (runs report deltas from here). */
  readonly bootCounters: Readonly<Counters>;

  constructor(input: PlatformConfigInput = {}) {
    this.config = platformSchema.parse(input);
    this.cost = this.config.cost;
    this.inv = new InvariantLog(this.sched, this.counters, this.config.throwOnViolation);
    this.faults = new FaultPlan(this.config.faults);
    this.trace = this.config.trace ? new Trace(this.sched) : undefined;
    this.sharedBit = 2 ** (this.config.gpaw - 1);
    this.ram = q35Layout(this.config.memoryBytes);
    const maxPfn = this.ram[this.ram.length - 1]!.endPfn;
    this.mem = new GuestMemory(maxPfn, this.ram, this.counters, () => this.sched.now());
    this.pages = new PageAllocator(
      [
        { name: 'DMA', startPfn: 0, endPfn: (16 * MiB) / PAGE_SIZE },
        { name: 'DMA32', startPfn: (16 * MiB) / PAGE_SIZE, endPfn: Math.min(maxPfn, (4 * GiB) / PAGE_SIZE) },
        { name: 'Normal', startPfn: (4 * GiB) / PAGE_SIZE, endPfn: Math.max(maxPfn, (4 * GiB) / PAGE_SIZE + 1) },
      ],
      this.mem,
      this.inv,
      this.counters,
      this.sched,
      this.cost,
      this.faults,
    );
    this.tdx = new TdxModule(this);
    this.vmm = new Vmm(this);
    this.quoteHost = new GetQuoteHost(this);
    this.quoteHost.setFaults(quoteHostFaults(this.config.faults.quoteService));
    this.irqs = new IrqTable(this);

    // memblock: reserve the first MiB and the kernel image at CONFIG_PHYSICAL_START.
    this.mem.transfer(0, MiB / PAGE_SIZE, Owner.Reserved);
    this.mem.transfer((16 * MiB) / PAGE_SIZE, this.config.kernelImageBytes / PAGE_SIZE, Owner.Reserved);
    // swiotlb_init(): memblock_alloc_low() of the pool, top-down below 4 GiB.
    const swiotlbBytes = this.config.swiotlbBytes ?? swiotlbDefaultBytes(this.config.memoryBytes);
    const low = this.ram[0]!;
    const poolPfn = low.endPfn - swiotlbBytes / PAGE_SIZE;
    if (poolPfn < (16 * MiB + this.config.kernelImageBytes) / PAGE_SIZE) throw new Error(`platform.swiotlbBytes: ${swiotlbBytes} bytes do not fit below 4 GiB`);
    this.mem.transfer(poolPfn, swiotlbBytes / PAGE_SIZE, Owner.Swiotlb);
    this.pages.freeBootMemory();

    this.directMap = new DirectMap(maxPfn, this.ram, this.config.gbPages, this.counters, {
      allocPageTable: () => {
        const pfn = this.pages.allocPages(0, 'Normal');
        return pfn !== undefined;
      },
      flushTlbAll: () => flushTlbAll(this),
    });

    // mem_encrypt_init() → swiotlb_update_mem_attributes(): the whole pool decrypted once.
    this.swiotlb = new Swiotlb(this, poolPfn, swiotlbBytes);
    const r = setMemoryEnc(this, this.pageAddress(poolPfn), swiotlbBytes / PAGE_SIZE, false, true);
    if (!r.ok) throw new Error(`boot: decrypting the SWIOTLB pool failed: ${r.error.message}`);
    // dma_atomic_pool_init(): the pre-decrypted atomic pools.
    this.dma = new DmaDirect(this);
    this.dma.atomicPoolInit();
    this.bootCounters = { ...this.counters };
    this.faults.armed = true;
  }

  /** Counters accumulated since boot finished. */
  sinceBoot(): Counters {
    const out = { ...this.counters };
    for (const k of Object.keys(out) as (keyof Counters)[]) {
      if (k === 'sharedPages' || k === 'sharedPagesPeak' || k === 'privateAliasedSharedPages') continue; // gauges
      out[k] -= this.bootCounters[k];
    }
    return out;
  }

  /** page_address(): the direct-map kva of a page frame. */
  pageAddress(pfn: number): number {
    return DIRECT_MAP_BASE + pfn * PAGE_SIZE;
  }
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
