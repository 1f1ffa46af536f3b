import type { PlatformConfig, PlatformConfigInput } from '../platform/config.js';
import type { CostParams } from '../platform/cost.js';
import type { Kernel } from '../contract/kernel.js';
import { pageAddress } from '../abi/units.js';
import type { Scheduler } from './sim/scheduler.js';
import { GAUGES, type Counters } from './sim/metrics.js';
import { fragmentationCost, type FragmentationCost } from './guest/mm/fragmentation.js';
import type { Violation } from './sim/invariants.js';
import type { Trace } from './sim/trace.js';
import type { PageState, Owner, RamRange } from './memory/phys-mem.js';
import type { MapGpaFault } from './host/kvm/map-gpa-handler.js';
import type { QuoteHostFaults } from './host/qemu/get-quote.js';
import { auditPages, type PageAudit } from './audit.js';
import { bootParts, type MachineParts } from './parts.js';

const PARTS = new WeakMap<Machine, MachineParts>();

/** Core-internal: the parts behind a Machine (core's own tests and bench; never exported by the package's main entry). */
export function partsOf(m: Machine): MachineParts {
  return PARTS.get(m)!;
}

/** Invariants the driver, not the model, can break and report (docs/architecture.md "Invariants"). */
export type DriverInvariant = 4 | 5;

/** One page as the model sees it: TDX state, owner (struct page), allocation, and its direct-map mapping. */
export interface PageInfo {
  readonly state: PageState;
  readonly owner: Owner;
  /** Pages handed out by one allocation share an id (0: none). */
  readonly allocId: number;
  /** Whether the direct map maps the page private (true), shared (false), or not at all (undefined). */
  readonly directMapEncrypted: boolean | undefined;
}

/** The host as tests and workloads may drive it: what a real host can do with a TD's shared memory and its quote service. */
export interface HostView {
  /** The host reads guest memory at a shared GPA (shared bit set); undefined when any byte is not shared. */
  readShared(gpa: number, length: number): Uint8Array | undefined;
  /** The host writes guest memory at a shared GPA; false when any byte is not shared. */
  writeShared(gpa: number, data: Uint8Array): boolean;
  /** QEMU's GetQuote handling and the simulated QGS behind it. */
  readonly quote: {
    /** Requests, accepted, RETRYs, completions, timeouts, notifications of this run, and requests a hostile knob acted on. */
    readonly stats: Readonly<{ requests: number; accepted: number; retries: number; completed: number; timeouts: number; notifies: number; hostile: number }>;
    /** The vector SetupEventNotifyInterrupt registered, if any. */
    readonly eventNotifyVector: number | undefined;
    /** PEM of the simulated root CA the platform's quotes chain to. */
    readonly rootCaPem: string;
    /** Host tasks still running. */
    readonly pending: readonly Promise<void>[];
  };
}

/** Fault hooks for tests (docs/architecture.md "faults and adversary"): scripted misbehaviour, never patched methods. */
export interface FaultHooks {
  /** Script the host's next MapGPA answers, consumed in order. */
  mapGpa(...faults: MapGpaFault[]): void;
  /** Scripted MapGPA faults not consumed yet. */
  readonly pendingMapGpa: number;
  /** alloc_pages returns NULL for the call `at` from now (0 = the next), or for every call from it on with `onward`; returns the function that clears the script. */
  failAllocations(at: number, opts?: { onward?: boolean }): () => void;
  /** Replace the quote service's fault knobs (platform.faults.quoteService sets them at boot). */
  quoteService(faults: QuoteHostFaults): void;
}

/**
 * One modeled TDX guest and its host, booted (docs/architecture.md "The
 * platform model"). Strategies reach the guest only through `kernel`; everyone
 * else gets this observation and fault API: counters, page accounting, the
 * invariant log, the trace, the kernel log, the host's view of shared memory,
 * and scripted faults. The parts themselves are not reachable from outside core.
 */
export class Machine {
  /** Validated platform configuration. */
  readonly config: PlatformConfig;
  /** Cost parameters in force. */
  readonly cost: CostParams;
  /** The shared bit, GPAW-1, as a GPA value (docs/model.md §2). */
  readonly sharedBit: number;
  /** Guest RAM ranges (the q35 layout), page frames. */
  readonly ram: readonly RamRange[];
  /** The virtual clock: run guest code as tasks (`spawn`, `join`), `sleep`, `now`. */
  readonly sched: Scheduler;
  /** The guest kernel API strategies program against. */
  readonly kernel: Kernel;
  /** The timeline when `trace: true` (drivers may add their own spans). */
  readonly trace: Trace | undefined;
  /** Counters as they stood when boot finished (runs report deltas from here). */
  readonly bootCounters: Readonly<Counters>;
  readonly host: HostView;
  readonly faults: FaultHooks;

  constructor(input: PlatformConfigInput = {}) {
    const p = bootParts(input);
    PARTS.set(this, p);
    this.config = p.sim.config;
    this.cost = p.sim.cost;
    this.sharedBit = p.sharedBit;
    this.ram = p.ram;
    this.sched = p.sim.sched;
    this.kernel = p.kernel;
    this.trace = p.sim.trace;
    this.bootCounters = p.bootCounters;
    const qemu = p.host.qemu;
    this.host = {
      readShared: (gpa, length) => p.host.readShared(gpa, length),
      writeShared: (gpa, data) => p.host.writeShared(gpa, data),
      quote: {
        get stats() {
          return { ...qemu.stats };
        },
        get eventNotifyVector() {
          return qemu.eventNotifyVector;
        },
        get rootCaPem() {
          return qemu.rootCaPem;
        },
        get pending() {
          return qemu.pending;
        },
      },
    };
    this.faults = {
      mapGpa: (...faults) => p.host.kvm.injectMapGpa(...faults),
      get pendingMapGpa() {
        return p.host.kvm.pendingMapGpaFaults;
      },
      failAllocations: (at, opts) => p.pages.failAllocations(at, opts?.onward ?? false),
      quoteService: (f) => p.host.qemu.setFaults(f),
    };
  }

  /** The counters now (live, read-only). */
  get counters(): Readonly<Counters> {
    return partsOf(this).sim.counters;
  }

  /** Counters accumulated since boot finished (gauges as they stand). */
  sinceBoot(): Counters {
    const out = { ...this.counters };
    for (const k of Object.keys(out) as (keyof Counters)[]) {
      if (GAUGES.has(k)) continue;
      out[k] -= this.bootCounters[k];
    }
    return out;
  }

  /** Invariant violations recorded so far. */
  get violations(): readonly Violation[] {
    return partsOf(this).sim.inv.violations;
  }

  /** Record a breach of a driver invariant (4: a buffer the host may still write was freed or reused; 5: a host-written field not bounds-checked), on the running task. */
  reportViolation(invariant: DriverInvariant, pfn: number, pages: number, message: string): void {
    partsOf(this).sim.inv.record(invariant, pfn, pages, message);
  }

  /** Kernel log lines (printk, WARNs, swiotlb and dma-direct messages). */
  get dmesg(): readonly string[] {
    return partsOf(this).sim.dmesg;
  }

  /** flush_scheduled_work(): let every queued work item run (on its kworker task) and wait for it. */
  flushWork(): Promise<void> {
    return partsOf(this).workqueue.flush();
  }

  /** Interrupts the guest took: delivered to a handler, or spurious (no handler). */
  get interrupts(): { readonly delivered: number; readonly spurious: number } {
    const irqs = partsOf(this).irqs;
    return { delivered: irqs.delivered, spurious: irqs.spurious };
  }

  /** DirectMap4k / DirectMap2M / DirectMap1G in kB, as /proc/meminfo prints them. */
  meminfo(): { DirectMap4k: number; DirectMap2M: number; DirectMap1G: number } {
    return partsOf(this).directMap.meminfo();
  }

  /**
   * The steady-state cost of the direct-map fragmentation added since boot:
   * the guest workload's throughput loss over platform.fragmentation.horizonS,
   * as CPU time (docs/model.md §8). Reported on its own, never in a request's overhead.
   */
  fragmentation(): FragmentationCost {
    const p = partsOf(this);
    return fragmentationCost(p.directMap.pagesAt, p.bootDirectMapPages, p.sim.cost, p.sim.config.fragmentation, p.sim.config.vcpus);
  }

  /** ∫ shared pages dt (page·ns) from time 0 to `t`: the mean over [a, b] is (I(b) − I(a)) / (b − a). */
  sharedPageNs(t: number): number {
    return partsOf(this).mem.sharedPageNs(t);
  }

  /** Every page of RAM by class, with anything the accounting cannot place (see PageAudit). */
  audit(): PageAudit {
    return auditPages(partsOf(this));
  }

  /** One page frame as the model sees it. */
  page(pfn: number): PageInfo {
    const p = partsOf(this);
    return { state: p.mem.state(pfn), owner: p.mem.owner(pfn), allocId: p.mem.allocId(pfn), directMapEncrypted: p.directMap.encrypted(pfn) };
  }

  /** page_address(): the direct-map kva of a page frame. */
  pageAddress(pfn: number): number {
    return pageAddress(pfn);
  }
}

/** The Kernel a strategy receives for `m` (the same object as `m.kernel`). */
export function kernelFor(m: Machine): Kernel {
  return m.kernel;
}
