import type { PlatformConfig } from '../../platform/config.js';
import type { CostParams } from '../../platform/cost.js';
import { Scheduler } from './scheduler.js';
import { newCounters, type Counters } from './metrics.js';
import type { Phase } from './scheduler.js';
import { InvariantLog } from './invariants.js';
import { FaultPlan } from './fault-plan.js';
import { Trace } from './trace.js';

/**
 * The simulation every side of the machine runs in (docs/architecture.md "The
 * platform model"): the virtual clock and its tasks, the cost parameters, the
 * counters, the invariant log, the seeded fault plan, the trace and the kernel
 * log. Guest, TDX module and host charge time and count here; none of them
 * reaches another side's state through it.
 */
export interface Sim {
  readonly config: PlatformConfig;
  readonly cost: CostParams;
  readonly sched: Scheduler;
  readonly counters: Counters;
  readonly inv: InvariantLog;
  readonly faults: FaultPlan;
  /** The timeline, when `trace: true`. */
  readonly trace: Trace | undefined;
  /** Kernel log lines (printk: WARNs, swiotlb and dma-direct messages). */
  readonly dmesg: string[];
}

/** A fresh simulation for a validated platform. */
export function createSim(config: PlatformConfig): Sim {
  const counters = newCounters();
  const sched = new Scheduler((ns, phase) => addToPhase(counters, ns, phase));
  return {
    config,
    cost: config.cost,
    sched,
    counters,
    inv: new InvariantLog(sched, counters, config.throwOnViolation),
    faults: new FaultPlan(config.faults),
    trace: config.trace ? new Trace(sched) : undefined,
    dmesg: [],
  };
}

/**
 * counters[PHASE_COUNTERS[phase]] += ns, spelled out: every charge comes here,
 * and a keyed store through a string table is many times slower than a switch
 * on the phase (phases.test.ts checks the two agree).
 */
export function addToPhase(c: Counters, ns: number, phase: Phase): void {
  switch (phase) {
    case 'mapGpa':
      c.nsMapGpa += ns;
      return;
    case 'accept':
      c.nsAccept += ns;
      return;
    case 'tlbIpi':
      c.nsTlbIpi += ns;
      return;
    case 'cacheFlush':
      c.nsCacheFlush += ns;
      return;
    case 'split':
      c.nsSplit += ns;
      return;
    case 'copy':
      c.nsCopy += ns;
      return;
    case 'host':
      c.nsHost += ns;
      return;
    case 'tdcall':
      c.nsTdcall += ns;
      return;
    case 'tdvmcall':
      c.nsTdvmcall += ns;
      return;
    case 'other':
      c.nsOther += ns;
      return;
    default:
      throw new Error(`unknown phase ${phase satisfies never}`);
  }
}
