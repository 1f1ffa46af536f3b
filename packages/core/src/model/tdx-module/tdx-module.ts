import { PageState, type GuestMemory, type RamRange } from '../memory/phys-mem.js';
import { RangeMap } from '../memory/range-map.js';
import { TDX_STATUS, type AcceptLevel, type Sept, type Tdcall } from '../../abi/tdcall.js';
import { PAGES_1G, PAGES_2M, PAGE_SIZE, alignDown, isAligned } from '../../abi/units.js';
import { tdgMrReport } from './mr-report.js';
import { platformSecrets } from '../../platform/measurements.js';
import type { Sim } from '../sim/sim.js';
import type { AliasExposure } from '../sim/alias-exposure.js';

const PAGES: Record<AcceptLevel, number> = { '4k': 1, '2m': PAGES_2M, '1g': PAGES_1G };
/** S-EPT leaf levels the module records per page: 0 = 4 KiB leaf or not mapped, 1 = in a 2 MiB leaf, 2 = in a 1 GiB leaf. */
const LEAF_PAGES = [1, PAGES_2M, PAGES_1G] as const;
const LEVEL_OF: Record<AcceptLevel, number> = { '4k': 0, '2m': 1, '1g': 2 };

/**
 * The TDX module. Guest-facing (Tdcall): TDG.MEM.PAGE.ACCEPT of a pending
 * page faults to the host, which lazily AUGs it (KVM maps private memory at
 * 4 KiB only upstream); a request larger than the host's mapping gets
 * TDX_PAGE_SIZE_MISMATCH. ACCEPT zeroes the page (docs/model.md §2, §5).
 * Host-facing (Sept): the removal of private pages and the return of shared
 * ones during MapGPA. The module owns the page-state record of guest memory.
 */
export class TdxModule implements Tdcall, Sept {
  /** The per-platform key TDREPORTs are MACed with (derived from the platform seed; see platform/measurements.ts). */
  private readonly reportMacKey: Uint8Array;
  private readonly sharedBit: number;
  /** The secure EPT's leaf size per page (LEAF_PAGES index): huge leaves exist only where the host maps private memory above 4 KiB. */
  private readonly septLevel: RangeMap;
  /** Pages the host made shared and is handing back pending: the fault plan's refused AUG (acceptFailRate) applies to these only. */
  private readonly returning: RangeMap;
  constructor(
    private readonly sim: Sim,
    private readonly mem: GuestMemory,
    private readonly exposure: AliasExposure,
    /** RAM accepted before the kernel starts (by TDVF, at 2 MiB where aligned: BspAcceptMemoryResourceRange). */
    acceptedAtBuild: readonly RamRange[] = [],
  ) {
    this.reportMacKey = platformSecrets(sim.config.seed).macKey;
    this.sharedBit = 2 ** (sim.config.gpaw - 1);
    this.septLevel = new RangeMap(mem.maxPfn, 0);
    this.returning = new RangeMap(mem.maxPfn, 0);
    if (sim.config.hostPrivateMapLevel !== '4k') {
      for (const r of acceptedAtBuild) {
        const s = Math.ceil(r.startPfn / PAGES_2M) * PAGES_2M;
        const e = Math.floor(r.endPfn / PAGES_2M) * PAGES_2M;
        if (e > s) this.septLevel.set(s, e, 1);
      }
    }
  }

  /** S-EPT leaf level at `pfn` (0: 4 KiB or unmapped, 1: 2 MiB, 2: 1 GiB). */
  leafLevel(pfn: number): number {
    return this.septLevel.get(pfn);
  }

  /** TDG.MR.REPORT(rcx = TDREPORT GPA, rdx = REPORTDATA GPA, r8 = subtype): see mr-report.ts. */
  mrReport(reportGpa: number, reportDataGpa: number, subtype: number): bigint {
    return tdgMrReport(this.sim, this.mem, reportGpa, reportDataGpa, subtype, this.reportMacKey);
  }

  /** TDG.VP.INFO: GPAW (the shared bit is GPAW-1) and the vCPU count. */
  vpInfo(): { gpaw: number; numVcpus: number } {
    this.charge();
    return { gpaw: this.sim.config.gpaw, numVcpus: this.sim.config.vcpus };
  }

  /**
   * TDG.MEM.PAGE.ACCEPT(gpa | level). A successful accept is charged the
   * all-in figure of its size (docs/model.md §8: exit, AUG and ACCEPT as the
   * guest sees them) plus acceptTdcallNs and hostAugPer4kNs, both 0 by
   * default; a failed attempt costs one TDCALL (tdcallNs).
   */
  memPageAccept(gpa: number, level: AcceptLevel): bigint {
    const { sim, mem } = this;
    sim.counters.tdcalls++;
    const c = sim.cost;
    const n = PAGES[level];
    if (gpa >= this.sharedBit || !isAligned(gpa, n * PAGE_SIZE)) return this.acceptFailed(TDX_STATUS.OPERAND_INVALID);
    const pfn = gpa / PAGE_SIZE;
    if (pfn + n > mem.maxPfn) return this.acceptFailed(TDX_STATUS.OPERAND_INVALID);
    const hostMax = PAGES[sim.config.hostPrivateMapLevel];
    if (n > hostMax) {
      // The EPT violation makes the host map (AUG) at its own size; the module then sees the mismatch.
      sim.counters.acceptSizeMismatch++;
      return this.acceptFailed(TDX_STATUS.PAGE_SIZE_MISMATCH);
    }
    if (!mem.allInState(pfn, n, PageState.PrivatePending)) return this.acceptFailed(TDX_STATUS.PAGE_ALREADY_ACCEPTED);
    // fault plan: the host never AUGs a page it is handing back from shared, so the accept cannot complete
    const returning = !this.returning.allEqual(pfn, pfn + n, 0);
    if (returning && sim.faults.roll(sim.faults.config.acceptFailRate)) return this.acceptFailed(TDX_STATUS.OPERAND_BUSY);
    // Lazy AUG by the host (TDH.MEM.PAGE.AUG at hostMax granularity), then accept + zero.
    const augs = n / Math.min(n, hostMax);
    sim.counters.septAugs += augs;
    sim.sched.charge(augs * c.hostAugPer4kNs, 'host');
    sim.sched.charge(c.acceptTdcallNs + (level === '4k' ? c.acceptPer4kNs : level === '2m' ? c.acceptPer2mNs : c.acceptPer1gNs), 'accept');
    if (level === '4k') sim.counters.accepts4k++;
    else if (level === '2m') sim.counters.accepts2m++;
    else sim.counters.accepts1g++;
    mem.setState(pfn, n, PageState.PrivateAccepted);
    mem.dropData('private', pfn, n);
    if (returning) this.returning.set(pfn, pfn + n, 0);
    // The host maps at the guest's accept level (the huge-page series' tdx_honor_guest_accept_level).
    this.septLevel.set(pfn, pfn + n, LEVEL_OF[level]);
    return TDX_STATUS.SUCCESS;
  }

  /**
   * Tdcall.memPageAcceptRun: what `pages` memPageAccept(gpa + i·4K, '4k') calls
   * do while each succeeds — page in range and below the shared bit, pending,
   * not being handed back by the host (a page that is goes through
   * memPageAccept, which rolls the fault plan) — done as one range update.
   * The charges are made page by page in the calls' order, so task clocks and
   * phase counters come out bit for bit the same.
   */
  memPageAcceptRun(gpa: number, pages: number): number {
    const { sim, mem } = this;
    if (gpa < 0 || !isAligned(gpa, PAGE_SIZE)) return 0;
    const pfn = gpa / PAGE_SIZE;
    const limit = Math.min(pfn + pages, mem.maxPfn, this.sharedBit / PAGE_SIZE);
    let end = pfn;
    while (end < limit && mem.state(end) === PageState.PrivatePending && this.returning.get(end) === 0) {
      end = Math.min(mem.runEnd(end), this.returning.runEnd(end), limit);
    }
    const n = end - pfn;
    if (n <= 0) return 0;
    const c = sim.cost;
    const host = c.hostAugPer4kNs; // one TDH.MEM.PAGE.AUG per page: the host maps at 4 KiB or more
    const accept = c.acceptTdcallNs + c.acceptPer4kNs;
    sim.counters.tdcalls += n;
    sim.counters.septAugs += n;
    sim.counters.accepts4k += n;
    for (let i = 0; i < n; i++) {
      sim.sched.charge(host, 'host');
      sim.sched.charge(accept, 'accept');
    }
    mem.setState(pfn, n, PageState.PrivateAccepted);
    mem.dropData('private', pfn, n);
    this.septLevel.set(pfn, end, LEVEL_OF['4k']);
    return n;
  }

  /** A failed TDG.MEM.PAGE.ACCEPT costs one TDCALL. */
  private acceptFailed(status: bigint): bigint {
    this.sim.sched.charge(this.sim.cost.tdcallNs, 'accept');
    return status;
  }

  /**
   * Sept.splitCrossBoundaryLeafs: for each end of [pfn, pfn + n) inside a huge
   * leaf the range does not cover whole, TDH.MEM.RANGE.BLOCK, tdx_track()
   * (TDH.MEM.TRACK, then the kick of every vCPU in guest mode — all but the
   * converting one, out in userspace for the MapGPA; DEMOTE fails with
   * TDX_TLB_TRACKING_NOT_DONE without it), then TDH.MEM.PAGE.DEMOTE into 512
   * leaves one level down; 1 GiB first, then 2 MiB. Per leaf: hostDemoteNs +
   * (vCPUs − 1) × hostTrackKickPerVcpuNs, the kicks as in removePrivate. Only
   * the KVM TDX huge-page series (Yan Zhao, v3 2026-01, not merged) maps
   * private memory above 4 KiB; upstream KVM never gets here.
   */
  splitCrossBoundaryLeafs(pfn: number, n: number): number {
    if (this.septLevel.size === 1 && this.septLevel.get(0) === 0) return 0; // no huge leaf anywhere (upstream KVM: always)
    const end = pfn + n;
    let demoted = 0;
    for (let level = 2; level >= 1; level--) {
      demoted += this.demoteAt(pfn, end, pfn, level);
      demoted += this.demoteAt(pfn, end, end - 1, level);
    }
    return demoted;
  }

  /** Demote the `level` leaf holding `edge` when there is one and [pfn, end) does not cover it whole; returns 1 if it did. */
  private demoteAt(pfn: number, end: number, edge: number, level: number): number {
    const { sim } = this;
    const c = sim.counters;
    const size = LEAF_PAGES[level]!;
    const base = alignDown(edge, size);
    if (this.septLevel.get(base) !== level) return 0;
    if (base >= pfn && base + size <= end) return 0; // covered whole: removed at its own level
    this.septLevel.set(base, base + size, level - 1);
    c.septBlocks++;
    c.septTracks++;
    c.tlbEpochKicks += sim.config.vcpus;
    c.septDemotes++;
    sim.sched.charge(sim.cost.hostDemoteNs + (sim.config.vcpus - 1) * sim.cost.hostTrackKickPerVcpuNs, 'host');
    return 1;
  }

  /**
   * Sept.removePrivate: tdx_sept_remove_private_spte() per private 4 KiB page —
   * TDH.MEM.RANGE.BLOCK, tdx_track() (TDH.MEM.TRACK, then
   * kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE), which IPIs and
   * waits for every vCPU in guest mode: all but the converting one, which is
   * out in userspace handling the MapGPA), TDH.MEM.PAGE.REMOVE, WBINVD, clear.
   * Per page: hostSeptRemovePer4kNs + (vCPUs − 1) × hostTrackKickPerVcpuNs.
   */
  removePrivate(pfn: number, n: number): void {
    const { sim, mem } = this;
    const c = sim.counters;
    let removed = 0;
    let converted = 0;
    if (mem.runEnd(pfn) >= pfn + n) {
      const state = mem.state(pfn);
      removed = state === PageState.PrivateAccepted ? n : 0;
      converted = state !== PageState.Shared ? n : 0;
    } else {
      mem.forEach(pfn, n, (s, e, state) => {
        if (state === PageState.PrivateAccepted) removed += e - s;
        if (state !== PageState.Shared) converted += e - s;
      });
    }
    // Per private page: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK + kick every vCPU, TDH.MEM.PAGE.REMOVE, WBINVD, zero.
    c.septBlocks += removed;
    c.septTracks += removed;
    c.septRemoves += removed;
    c.tlbEpochKicks += removed * sim.config.vcpus;
    sim.sched.charge(removed * (sim.cost.hostSeptRemovePer4kNs + (sim.config.vcpus - 1) * sim.cost.hostTrackKickPerVcpuNs), 'host');
    c.pagesConvertedToShared += converted;
    const before = this.exposure.before(pfn, n);
    mem.setState(pfn, n, PageState.Shared);
    this.exposure.after(pfn, n, before);
    mem.dropData('private', pfn, n);
    this.septLevel.set(pfn, pfn + n, 0); // no private leaf maps a shared page
  }

  /** Sept.unmapShared: shared pages come back pending; a page already private keeps its state. */
  unmapShared(pfn: number, n: number): void {
    const { sim, mem } = this;
    let converted = 0;
    const before = this.exposure.before(pfn, n);
    const end = Math.min(pfn + n, mem.maxPfn);
    for (let p = pfn; p < end; ) {
      const e = Math.min(mem.runEnd(p), end);
      if (mem.state(p) === PageState.Shared) {
        converted += e - p;
        mem.setState(p, e - p, PageState.PrivatePending);
        this.returning.set(p, e, 1);
      }
      p = e;
    }
    sim.counters.pagesConvertedToPrivate += converted;
    this.exposure.after(pfn, n, before, false);
    mem.dropData('shared', pfn, n);
  }

  private charge(): void {
    this.sim.counters.tdcalls++;
    this.sim.sched.charge(this.sim.cost.tdcallNs, 'tdcall');
  }
}
