import { TDVMCALL_STATUS, type MapGpaResult, type Sept } from '../../../abi/tdcall.js';
import { PAGE_SIZE, isAligned } from '../../../abi/units.js';
import type { RamRange } from '../../memory/phys-mem.js';
import type { Sim } from '../../sim/sim.js';

/** The answer of every MapGPA that converted the whole range (results are read-only: one object serves all). */
const MAP_GPA_SUCCESS: MapGpaResult = Object.freeze({ status: TDVMCALL_STATUS.SUCCESS, r11: 0 });

/** A scripted host misbehaviour for MapGPA (docs/architecture.md "faults and adversary"). */
export type MapGpaFault =
  /** An interrupt is pending after the next chunk: KVM answers RETRY with the next GPA. */
  | { kind: 'retry' }
  /** A hostile or broken host answers RETRY without converting anything (r11 = start). */
  | { kind: 'retry-no-progress' }
  /** RETRY with a GPA outside [start, end). */
  | { kind: 'retry-out-of-range' }
  /** The conversion fails with this status (INVALID_OPERAND by default). */
  | { kind: 'error'; status?: bigint };

/**
 * KVM's TDVMCALL<MapGPA> handling with QEMU's conversion (KVM tdx_map_gpa,
 * __tdx_map_gpa, tdx_complete_vmcall_map_gpa; QEMU kvm_convert_memory):
 * operand checks, then one exit per TDX_MAP_GPA_MAX_LEN (2 MiB) chunk, RETRY
 * with the next GPA between chunks when an interrupt is pending.
 * private→shared tears the private pages out of the SEPT through the TDX
 * module (BLOCK, TRACK + kick every vCPU, REMOVE, write-back, zero);
 * shared→private only zaps the shared EPT — the private side is AUGed lazily
 * when the guest accepts. The host knows the guest's RAM only as memslots.
 */
export class KvmMapGpa {
  private readonly mapGpaFaults: MapGpaFault[] = [];
  private readonly sharedBit: number;
  /** 2^GPAW: the first GPA past the guest's address width. */
  private readonly gpaLimit: number;
  constructor(
    private readonly sim: Sim,
    /** QEMU's RAM memslots (the q35 layout), page frames. */
    private readonly memslots: readonly RamRange[],
    private readonly sept: Sept,
  ) {
    this.sharedBit = 2 ** (sim.config.gpaw - 1);
    this.gpaLimit = 2 ** sim.config.gpaw;
  }

  /** Script the next MapGPA misbehaviours, consumed in order. */
  injectMapGpa(...faults: MapGpaFault[]): void {
    this.mapGpaFaults.push(...faults);
  }

  /** Pending scripted faults. */
  get pendingMapGpaFaults(): number {
    return this.mapGpaFaults.length;
  }

  /** TDVMCALL<MapGPA>(r12 = gpa, r13 = size). */
  mapGpa(gpa: number, size: number): MapGpaResult {
    const m = this.sim;
    m.counters.tdvmcalls++;
    m.counters.mapGpaCalls++;
    m.sched.charge(m.cost.tdvmcallRoundTripNs, 'mapGpa');
    const end = gpa + size;
    const legal = this.gpaLimit;
    if (size <= 0 || end <= gpa || gpa >= legal || end - 1 >= legal || gpa >= this.sharedBit !== end - 1 >= this.sharedBit) {
      return this.refuse({ status: TDVMCALL_STATUS.INVALID_OPERAND, r11: gpa });
    }
    if (!isAligned(gpa, PAGE_SIZE) || !isAligned(size, PAGE_SIZE)) return this.refuse({ status: TDVMCALL_STATUS.ALIGN_ERROR, r11: gpa });

    const plan = m.faults;
    const fc = plan.config;
    if (plan.roll(fc.mapGpaNoProgressRate)) return this.refuse(this.retry(gpa));
    if (plan.roll(fc.mapGpaOutOfRangeRate)) return this.refuse(this.retry(end + PAGE_SIZE));
    if (plan.roll(fc.mapGpaFailRate)) return this.refuse({ status: TDVMCALL_STATUS.INVALID_OPERAND, r11: gpa });
    const head = this.mapGpaFaults[0];
    if (head && head.kind !== 'retry') {
      this.mapGpaFaults.shift();
      if (head.kind === 'retry-no-progress') return this.refuse(this.retry(gpa));
      if (head.kind === 'retry-out-of-range') return this.refuse(this.retry(end + PAGE_SIZE));
      return this.refuse({ status: head.status ?? TDVMCALL_STATUS.INVALID_OPERAND, r11: gpa });
    }

    const toShared = gpa >= this.sharedBit;
    const base = toShared ? this.sharedBit : 0;
    let next = gpa;
    while (next < end) {
      const chunk = Math.min(m.cost.mapGpaChunkBytes, end - next);
      m.counters.mapGpaChunks++;
      if (next !== gpa) m.sched.charge(m.cost.tdvmcallRoundTripNs, 'mapGpa'); // each chunk is one more exit to userspace
      const pfn = (next - base) / PAGE_SIZE;
      const n = chunk / PAGE_SIZE;
      const t0 = m.trace?.begin() ?? 0;
      if (!this.inMemslot(pfn, n)) {
        // kvm_convert_memory(): a range with no guest_memfd RAM behind it. To shared it is ignored
        // ("Ignore converting non-assigned region to shared": vMMIO must be shared) and succeeds,
        // converting nothing; to private, or half in RAM, it fails → INVALID_OPERAND, r11 = map_gpa_next.
        if (!toShared || this.overlapsMemslot(pfn, n)) return this.refuse({ status: TDVMCALL_STATUS.INVALID_OPERAND, r11: next });
      } else if (toShared) {
        // KVM_SET_MEMORY_ATTRIBUTES from QEMU: kvm_arch_pre_set_memory_attributes splits huge
        // private leaves crossing the range (KVM TDX huge-page series) before kvm_unmap_gfn_range.
        this.sept.splitCrossBoundaryLeafs(pfn, n);
        this.sept.removePrivate(pfn, n);
      } else {
        // kvm_unmap_gfn_range() of the shared EPT, then kvm_flush_remote_tlbs(): kvm_make_all_cpus_request()
        // IPIs and waits for every vCPU in guest mode — all but this one, out in userspace for the MapGPA
        m.sched.charge(m.cost.hostSharedZapPer2mNs + (m.config.vcpus - 1) * m.cost.hostTrackKickPerVcpuNs, 'host');
        this.sept.unmapShared(pfn, n);
      }
      m.trace?.end(t0, toShared ? 'MapGPA chunk: SEPT teardown' : 'MapGPA chunk: shared EPT zap', 'vmm', { gpa: next, bytes: chunk }, true);
      next += m.cost.mapGpaChunkBytes;
      if (next < end && this.mapGpaFaults[0]?.kind === 'retry') {
        this.mapGpaFaults.shift();
        return this.retry(next);
      }
      // kvm_vcpu_has_events(): an interrupt pending between chunks stops the walk with RETRY
      if (next < end && plan.roll(fc.mapGpaInterruptRate)) return this.retry(next);
    }
    return MAP_GPA_SUCCESS;
  }

  /** Whether [pfn, pfn + n) lies inside one RAM memslot. */
  private inMemslot(pfn: number, n: number): boolean {
    for (const r of this.memslots) if (pfn >= r.startPfn && pfn + n <= r.endPfn) return true;
    return false;
  }

  /** Whether [pfn, pfn + n) touches any RAM memslot. */
  private overlapsMemslot(pfn: number, n: number): boolean {
    for (const r of this.memslots) if (pfn < r.endPfn && pfn + n > r.startPfn) return true;
    return false;
  }

  /** An answer that converted nothing (counted whoever issued the MapGPA). */
  private refuse(r: MapGpaResult): MapGpaResult {
    this.sim.counters.mapGpaRefused++;
    return r;
  }

  private retry(r11: number): MapGpaResult {
    this.sim.counters.mapGpaRetries++;
    return { status: TDVMCALL_STATUS.RETRY, r11 };
  }
}
