import type { PlatformConfigInput } from '../platform/config.js';
import type { Counters } from './sim/metrics.js';
import { Machine, partsOf } from './machine.js';

/**
 * Core's own tests and bench: a booted Machine with every part in reach
 * (`mem`, `pages`, `directMap`, `vmm` = KVM's MapGPA with the host's
 * shared-memory access, `quoteHost` = QEMU's GetQuote, the sim's counters,
 * scheduler and invariant log). Not exported by the package's main entry:
 * code outside core uses Machine's observation and fault API.
 */
export function testMachine(input: PlatformConfigInput = {}) {
  const machine = new Machine(input);
  const p = partsOf(machine);
  const { sim, host } = p;
  return {
    ...p,
    machine,
    config: sim.config,
    cost: sim.cost,
    sched: sim.sched,
    counters: sim.counters,
    inv: sim.inv,
    dmesg: sim.dmesg,
    trace: sim.trace,
    faultPlan: sim.faults,
    vmm: {
      mapGpa: (gpa: number, size: number) => host.kvm.mapGpa(gpa, size),
      injectMapGpa: (...f: Parameters<typeof host.kvm.injectMapGpa>) => host.kvm.injectMapGpa(...f),
      get pendingMapGpaFaults() {
        return host.kvm.pendingMapGpaFaults;
      },
      readShared: (gpa: number, length: number) => host.readShared(gpa, length),
      writeShared: (gpa: number, data: Uint8Array) => host.writeShared(gpa, data),
    },
    quoteHost: host.qemu,
    pageAddress: (pfn: number) => machine.pageAddress(pfn),
    sinceBoot: (): Counters => machine.sinceBoot(),
  };
}

export type TestMachine = ReturnType<typeof testMachine>;
