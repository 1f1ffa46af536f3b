import { PageState, type GuestMemory } from '../memory/phys-mem.js';
import { TDX_STATUS, type AcceptLevel, type Sept, type Tdcall } from '../../abi/tdcall.js';
import { PAGES_1G, PAGES_2M, PAGE_SIZE } from '../../abi/units.js';
import { tdgMrReport } from './mr-report.js';
import { platformSecrets } from '../../platform/measurements.js';
import type { Sim } from '../sim/sim.js';
import type { AliasExposure } from '../sim/alias-exposure.js';

const PAGES: Record<AcceptLevel, number> = { '4k': 1, '2m': PAGES_2M, '1g': PAGES_1G };

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
  constructor(
    private readonly sim: Sim,
    private readonly mem: GuestMemory,
    private readonly exposure: AliasExposure,
  ) {
    this.reportMacKey = platformSecrets(sim.config.seed).macKey;
    this.sharedBit = 2 ** (sim.config.gpaw - 1);
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
    const failed = (status: bigint) => (sim.sched.charge(c.tdcallNs, 'accept'), status);
    const n = PAGES[level];
    if (gpa >= this.sharedBit || gpa % (n * PAGE_SIZE) !== 0) return failed(TDX_STATUS.OPERAND_INVALID);
    const pfn = gpa / PAGE_SIZE;
    if (pfn + n > mem.maxPfn) return failed(TDX_STATUS.OPERAND_INVALID);
    const hostMax = PAGES[sim.config.hostPrivateMapLevel];
    if (n > hostMax) {
      // The EPT violation makes the host map (AUG) at its own size; the module then sees the mismatch.
      sim.counters.acceptSizeMismatch++;
      return failed(TDX_STATUS.PAGE_SIZE_MISMATCH);
    }
    if (!mem.every(pfn, n, (state) => state === PageState.PrivatePending)) return failed(TDX_STATUS.PAGE_ALREADY_ACCEPTED);
    // fault plan: the host never AUGs the page, so the accept cannot complete
    if (sim.faults.roll(sim.faults.config.acceptFailRate)) return failed(TDX_STATUS.OPERAND_BUSY);
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
    return TDX_STATUS.SUCCESS;
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
    this.exposure.track(pfn, n, () => mem.setState(pfn, n, PageState.Shared));
    mem.dropData('private', pfn, n);
  }

  /** Sept.unmapShared: shared pages come back pending; a page already private keeps its state. */
  unmapShared(pfn: number, n: number): void {
    const { sim, mem } = this;
    let converted = 0;
    const sharedRuns: [number, number][] = [];
    mem.forEach(pfn, n, (s, e, state) => {
      if (state === PageState.Shared) {
        converted += e - s;
        sharedRuns.push([s, e]);
      }
    });
    sim.counters.pagesConvertedToPrivate += converted;
    this.exposure.track(
      pfn,
      n,
      () => {
        for (const [s, e] of sharedRuns) mem.setState(s, e - s, PageState.PrivatePending);
      },
      false,
    );
    mem.dropData('shared', pfn, n);
  }

  private charge(): void {
    this.sim.counters.tdcalls++;
    this.sim.sched.charge(this.sim.cost.tdcallNs, 'tdcall');
  }
}
