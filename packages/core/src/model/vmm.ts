import type { Machine } from './machine.js';
import { Owner, PageState } from './memory.js';
import { TDVMCALL_STATUS } from './tdvmcall.js';
import { trackAliasExposure } from './aliases.js';
import { PAGE_SIZE } from './units.js';

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

export interface MapGpaResult {
  status: bigint;
  /** r11: on RETRY or error, the GPA where the VMM stopped. */
  r11: number;
}

/**
 * The VMM's TDVMCALL handling as KVM and QEMU do it. MapGPA (KVM tdx_map_gpa,
 * __tdx_map_gpa, tdx_complete_vmcall_map_gpa; QEMU kvm_convert_memory):
 * operand checks, then one exit per TDX_MAP_GPA_MAX_LEN (2 MiB) chunk, RETRY
 * with the next GPA between chunks when an interrupt is pending.
 * private→shared tears the private pages out of the SEPT (BLOCK, TRACK + kick
 * every vCPU, REMOVE, write-back, zero); shared→private only zaps the shared
 * EPT — the private side is AUGed lazily when the guest accepts.
 */
export class Vmm {
  private readonly mapGpaFaults: MapGpaFault[] = [];
  constructor(private readonly m: Machine) {}

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
    const m = this.m;
    m.counters.tdvmcalls++;
    m.counters.mapGpaCalls++;
    m.sched.charge(m.cost.tdvmcallRoundTripNs);
    const end = gpa + size;
    const legal = 2 ** m.config.gpaw;
    const shared = (a: number) => a >= m.sharedBit;
    if (size <= 0 || end <= gpa || gpa >= legal || end - 1 >= legal || shared(gpa) !== shared(end - 1)) {
      return this.refuse({ status: TDVMCALL_STATUS.INVALID_OPERAND, r11: gpa });
    }
    if (gpa % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) return this.refuse({ status: TDVMCALL_STATUS.ALIGN_ERROR, r11: gpa });

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

    const toShared = shared(gpa);
    const base = toShared ? m.sharedBit : 0;
    let next = gpa;
    while (next < end) {
      const chunk = Math.min(m.cost.mapGpaChunkBytes, end - next);
      m.counters.mapGpaChunks++;
      if (next !== gpa) m.sched.charge(m.cost.tdvmcallRoundTripNs); // each chunk is one more exit to userspace
      const pfn = (next - base) / PAGE_SIZE;
      const n = chunk / PAGE_SIZE;
      if (pfn + n > m.mem.maxPfn || !m.mem.every(pfn, n, (_s, owner) => owner !== Owner.Hole)) {
        // kvm_convert_memory() fails outside guest RAM → INVALID_OPERAND, r11 = map_gpa_next
        return this.refuse({ status: TDVMCALL_STATUS.INVALID_OPERAND, r11: next });
      }
      const t0 = m.trace?.begin() ?? 0;
      if (toShared) this.convertToShared(pfn, n);
      else this.convertToPrivate(pfn, n);
      m.trace?.end(t0, toShared ? 'MapGPA chunk: SEPT teardown' : 'MapGPA chunk: shared EPT zap', 'vmm', { gpa: next, bytes: chunk }, true);
      next += m.cost.mapGpaChunkBytes;
      if (next < end && this.mapGpaFaults[0]?.kind === 'retry') {
        this.mapGpaFaults.shift();
        return this.retry(next);
      }
      // kvm_vcpu_has_events(): an interrupt pending between chunks stops the walk with RETRY
      if (next < end && plan.roll(fc.mapGpaInterruptRate)) return this.retry(next);
    }
    return { status: TDVMCALL_STATUS.SUCCESS, r11: 0 };
  }

  /** Host read of a shared GPA (the host cannot read private memory). */
  readShared(gpa: number, length: number): Uint8Array | undefined {
    const pa = gpa - this.m.sharedBit;
    if (!this.isShared(pa, length)) return undefined;
    return this.m.mem.readData('shared', pa, length);
  }

  /** Host write to a shared GPA; false when any byte is not shared. */
  writeShared(gpa: number, data: Uint8Array): boolean {
    const pa = gpa - this.m.sharedBit;
    if (!this.isShared(pa, data.length)) return false;
    this.m.mem.writeData('shared', pa, data);
    return true;
  }

  private isShared(pa: number, length: number): boolean {
    if (pa < 0 || length <= 0) return false;
    const first = Math.floor(pa / PAGE_SIZE);
    const last = Math.floor((pa + length - 1) / PAGE_SIZE);
    if (last >= this.m.mem.maxPfn) return false;
    return this.m.mem.every(first, last - first + 1, (state) => state === PageState.Shared);
  }

  /** An answer that converted nothing (counted whoever issued the MapGPA). */
  private refuse(r: MapGpaResult): MapGpaResult {
    this.m.counters.mapGpaRefused++;
    return r;
  }

  private retry(r11: number): MapGpaResult {
    this.m.counters.mapGpaRetries++;
    return { status: TDVMCALL_STATUS.RETRY, r11 };
  }

  private convertToShared(pfn: number, n: number): void {
    const m = this.m;
    const c = m.counters;
    let removed = 0;
    let converted = 0;
    if (m.mem.runEnd(pfn) >= pfn + n) {
      const state = m.mem.state(pfn);
      removed = state === PageState.PrivateAccepted ? n : 0;
      converted = state !== PageState.Shared ? n : 0;
    } else {
      m.mem.forEach(pfn, n, (s, e, state) => {
        if (state === PageState.PrivateAccepted) removed += e - s;
        if (state !== PageState.Shared) converted += e - s;
      });
    }
    // Per private page: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK + kick every vCPU, TDH.MEM.PAGE.REMOVE, WBINVD, zero.
    c.septBlocks += removed;
    c.septTracks += removed;
    c.septRemoves += removed;
    c.tlbEpochKicks += removed * m.config.vcpus;
    m.sched.charge(removed * m.cost.hostTeardownPer4kNs);
    c.pagesConvertedToShared += converted;
    trackAliasExposure(m, pfn, n, () => m.mem.setState(pfn, n, PageState.Shared));
    m.mem.dropData('private', pfn, n);
  }

  private convertToPrivate(pfn: number, n: number): void {
    const m = this.m;
    let converted = 0;
    const sharedRuns: [number, number][] = [];
    m.mem.forEach(pfn, n, (s, e, state) => {
      if (state === PageState.Shared) {
        converted += e - s;
        sharedRuns.push([s, e]);
      }
    });
    m.sched.charge(m.cost.hostSharedZapPer2mNs);
    m.counters.pagesConvertedToPrivate += converted;
    // Shared pages come back pending; a page already private keeps its state.
    trackAliasExposure(
      m,
      pfn,
      n,
      () => {
        for (const [s, e] of sharedRuns) m.mem.setState(s, e - s, PageState.PrivatePending);
      },
      false,
    );
    m.mem.dropData('shared', pfn, n);
  }
}
