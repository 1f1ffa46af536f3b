import type { MapGpaResult, Sept, Tdvmcall, VcpuInterrupts } from '../../abi/tdcall.js';
import type { FaultsConfig } from '../../platform/faults.js';
import type { RamRange } from '../memory/phys-mem.js';
import type { SharedBacking } from '../memory/shared-backing.js';
import type { Sim } from '../sim/sim.js';
import { KvmMapGpa } from './kvm/map-gpa-handler.js';
import { GetQuoteHost, quoteHostFaults } from './qemu/get-quote.js';

/**
 * The host: KVM (MapGPA and the secure EPT, through the TDX module's Sept
 * side) and QEMU (GetQuote, SetupEventNotifyInterrupt, the QGS behind it).
 * It serves the guest's TDVMCALLs and sees guest memory only through the
 * shared backing; it changes page state only through the TDX module.
 */
export class Host implements Tdvmcall {
  readonly kvm: KvmMapGpa;
  readonly qemu: GetQuoteHost;
  /** Guest memory as the host reaches it: shared pages only. */
  readonly memory: SharedBacking;
  private readonly sharedBit: number;

  constructor(sim: Sim, deps: { memslots: readonly RamRange[]; memory: SharedBacking; sept: Sept; irq: VcpuInterrupts; quoteFaults: FaultsConfig['quoteService'] }) {
    this.sharedBit = 2 ** (sim.config.gpaw - 1);
    this.memory = deps.memory;
    this.kvm = new KvmMapGpa(sim, deps.memslots, deps.sept);
    this.qemu = new GetQuoteHost(sim, deps.memory, deps.irq);
    this.qemu.setFaults(quoteHostFaults(deps.quoteFaults));
  }

  mapGpa(gpa: number, size: number): MapGpaResult {
    return this.kvm.mapGpa(gpa, size);
  }

  getQuote(sharedGpa: number, size: number): bigint {
    return this.qemu.getQuote(sharedGpa, size);
  }

  setupEventNotifyInterrupt(vector: number): bigint {
    return this.qemu.setupEventNotifyInterrupt(vector);
  }

  /** The host reads guest memory at a shared GPA (shared bit set); undefined when any byte is not shared. */
  readShared(gpa: number, length: number): Uint8Array | undefined {
    const pa = gpa - this.sharedBit;
    return this.memory.isShared(pa, length) ? this.memory.read(pa, length) : undefined;
  }

  /** The host writes guest memory at a shared GPA; false when any byte is not shared. */
  writeShared(gpa: number, data: Uint8Array): boolean {
    const pa = gpa - this.sharedBit;
    if (!this.memory.isShared(pa, data.length)) return false;
    this.memory.write(pa, data);
    return true;
  }
}
