import type { Machine } from './machine.js';
import { PageState } from './memory.js';
import { TDX_STATUS, type AcceptLevel } from './tdvmcall.js';
import { PAGES_1G, PAGES_2M, PAGE_SIZE } from './units.js';
import { tdgMrReport } from './mr-report.js';
import { platformSecrets } from './measurements.js';

const PAGES: Record<AcceptLevel, number> = { '4k': 1, '2m': PAGES_2M, '1g': PAGES_1G };

/**
 * The TDX module's guest-facing leaves (TDCALL). TDG.MEM.PAGE.ACCEPT of a
 * pending page faults to the host, which lazily AUGs it (KVM maps private
 * memory at 4 KiB only upstream); a request larger than the host's mapping
 * gets TDX_PAGE_SIZE_MISMATCH. ACCEPT zeroes the page (docs/model.md §2, §5).
 */
export class TdxModule {
  /** The per-platform key TDREPORTs are MACed with (derived from the platform seed; see measurements.ts). */
  readonly reportMacKey: Uint8Array;
  constructor(private readonly m: Machine) {
    this.reportMacKey = platformSecrets(m.config.seed).macKey;
  }

  /** TDG.MR.REPORT(rcx = TDREPORT GPA, rdx = REPORTDATA GPA, r8 = subtype): see mr-report.ts. */
  mrReport(reportGpa: number, reportDataGpa: number, subtype: number): bigint {
    return tdgMrReport(this.m, reportGpa, reportDataGpa, subtype, this.reportMacKey);
  }

  /** TDG.VP.INFO: GPAW (the shared bit is GPAW-1) and the vCPU count. */
  vpInfo(): { gpaw: number; numVcpus: number } {
    this.charge();
    return { gpaw: this.m.config.gpaw, numVcpus: this.m.config.vcpus };
  }

  /** TDG.MEM.PAGE.ACCEPT(gpa | level). */
  memPageAccept(gpa: number, level: AcceptLevel): bigint {
    const m = this.m;
    this.charge();
    const c = m.cost;
    const n = PAGES[level];
    if (gpa >= m.sharedBit || gpa % (n * PAGE_SIZE) !== 0) return TDX_STATUS.OPERAND_INVALID;
    const pfn = gpa / PAGE_SIZE;
    if (pfn + n > m.mem.maxPfn) return TDX_STATUS.OPERAND_INVALID;
    const hostMax = PAGES[m.config.hostPrivateMapLevel];
    if (n > hostMax) {
      // The EPT violation makes the host map (AUG) at its own size; the module then sees the mismatch.
      m.counters.acceptSizeMismatch++;
      return TDX_STATUS.PAGE_SIZE_MISMATCH;
    }
    if (!m.mem.every(pfn, n, (state) => state === PageState.PrivatePending)) return TDX_STATUS.PAGE_ALREADY_ACCEPTED;
    // fault plan: the host never AUGs the page, so the accept cannot complete
    if (m.faults.roll(m.faults.config.acceptFailRate)) return TDX_STATUS.OPERAND_BUSY;
    // Lazy AUG by the host (TDH.MEM.PAGE.AUG at hostMax granularity), then accept + zero.
    const augs = n / Math.min(n, hostMax);
    m.counters.septAugs += augs;
    m.sched.charge(augs * c.hostAugPer4kNs);
    m.sched.charge(level === '4k' ? c.acceptPer4kNs : level === '2m' ? c.acceptPer2mNs : c.acceptPer1gNs);
    if (level === '4k') m.counters.accepts4k++;
    else if (level === '2m') m.counters.accepts2m++;
    else m.counters.accepts1g++;
    m.mem.setState(pfn, n, PageState.PrivateAccepted);
    m.mem.dropData('private', pfn, n);
    return TDX_STATUS.SUCCESS;
  }

  private charge(): void {
    this.m.counters.tdcalls++;
    this.m.sched.charge(this.m.cost.tdcallNs);
  }
}
