import { TDREPORT_SIZE } from '@tdx-shbuf/tdx-formats';

/** TDCALL / TDVMCALL leaves and status codes (arch/x86/include/asm/shared/tdx.h; QEMU target/i386/kvm/tdx.h; docs/model.md §2). */

export const TDCALL = {
  VP_VMCALL: 0,
  VP_INFO: 1,
  MR_RTMR_EXTEND: 2,
  VP_VEINFO_GET: 3,
  MR_REPORT: 4,
  MEM_PAGE_ACCEPT: 6,
  VM_WR: 8,
} as const;

export const TDVMCALL = {
  GET_TD_VM_CALL_INFO: 0x10000,
  MAP_GPA: 0x10001,
  GET_QUOTE: 0x10002,
  REPORT_FATAL_ERROR: 0x10003,
  SETUP_EVENT_NOTIFY_INTERRUPT: 0x10004,
  SERVICE: 0x10005,
} as const;

export const TDVMCALL_STATUS = {
  SUCCESS: 0n,
  RETRY: 1n,
  INVALID_OPERAND: 0x8000000000000000n,
  GPA_INUSE: 0x8000000000000001n,
  ALIGN_ERROR: 0x8000000000000002n,
  SUBFUNC_UNSUPPORTED: 0x8000000000000003n,
} as const;

/** TDX module completion status classes used by the model (TDX module ABI). */
export const TDX_STATUS = {
  SUCCESS: 0n,
  /** TDX_PAGE_SIZE_MISMATCH: the host mapped the GPA with a smaller page than the ACCEPT asked for. */
  PAGE_SIZE_MISMATCH: 0xc0000b0b00000001n,
  /** TDX_PAGE_ALREADY_ACCEPTED. */
  PAGE_ALREADY_ACCEPTED: 0x00000b0a00000000n,
  /** TDX_OPERAND_BUSY: the operation could not complete (used for a host that never maps the page). */
  OPERAND_BUSY: 0x8000020000000000n,
  /** TDX_OPERAND_INVALID. */
  OPERAND_INVALID: 0xc000010000000000n,
} as const;

/** Accept page sizes: bits 2:0 of RCX (TDX_PS_4K/2M/1G). */
export type AcceptLevel = '4k' | '2m' | '1g';

/** What TDVMCALL<MapGPA> returns: the status in r10 and, on RETRY or error, r11 = the GPA where the VMM stopped. */
export interface MapGpaResult {
  status: bigint;
  /** r11: on RETRY or error, the GPA where the VMM stopped. */
  r11: number;
}

/**
 * The guest → TDX module ABI: the TDCALL leaves the guest issues (TDX module
 * ABI spec, "TDCALL leaves"). The guest holds one of these and nothing else
 * of the module.
 */
export interface Tdcall {
  /** TDG.MEM.PAGE.ACCEPT(rcx = gpa | level): TDX status. */
  memPageAccept(gpa: number, level: AcceptLevel): bigint;
  /**
   * `pages` TDG.MEM.PAGE.ACCEPT(4K) on consecutive pages from `gpa`, the
   * loop tdx_accept_memory() runs between 2 MiB boundaries, in one step: the
   * same outcome, counters and charges (page by page) as the single calls,
   * stopping before the first page whose call would not succeed. Returns the
   * pages accepted. A model shortcut, not a TDCALL leaf.
   */
  memPageAcceptRun(gpa: number, pages: number): number;
  /** TDG.MR.REPORT(rcx = TDREPORT GPA, rdx = REPORTDATA GPA, r8 = subtype): TDX status. */
  mrReport(reportGpa: number, reportDataGpa: number, subtype: number): bigint;
  /** TDG.VP.INFO: GPAW (the shared bit is GPAW-1) and the vCPU count. */
  vpInfo(): { gpaw: number; numVcpus: number };
}

/**
 * The guest → host ABI: TDG.VP.VMCALL sub-functions (GHCI 1.5, "TDG.VP.VMCALL
 * Interface"), i.e. the TDVMCALLs the host (KVM, QEMU) handles. The guest
 * passes registers and reads the status back; what the host does with shared
 * memory meanwhile, the guest sees only through that memory.
 */
export interface Tdvmcall {
  /** TDVMCALL<MapGPA>(r12 = gpa, r13 = size): status and r11. */
  mapGpa(gpa: number, size: number): MapGpaResult;
  /** TDVMCALL<GetQuote>(r12 = shared GPA of a tdx_quote_buf, r13 = its length): status. */
  getQuote(sharedGpa: number, size: number): bigint;
  /** TDVMCALL<SetupEventNotifyInterrupt>(r12 = vector): status. */
  setupEventNotifyInterrupt(vector: number): bigint;
}

/**
 * The host → TDX module side of a conversion (KVM's SEAMCALLs on the secure
 * EPT, arch/x86/kvm/vmx/tdx.c): the module keeps the page-state record, so
 * the host changes it only through these. Ranges are page frames [pfn, pfn + n).
 */
export interface Sept {
  /**
   * private → shared: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK (+ a kick of every
   * vCPU), TDH.MEM.PAGE.REMOVE for every private page mapped in the range
   * (tdx_sept_remove_private_spte); the range is then shared.
   */
  removePrivate(pfn: number, n: number): void;
  /**
   * Before a private→shared zap: split every huge private leaf that [pfn, pfn + n)
   * covers only in part (KVM TDX huge-page series, kvm_split_cross_boundary_leafs →
   * tdx_sept_split_private_spte: TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK + kick, TDH.MEM.PAGE.DEMOTE).
   * Returns the leaves demoted (0 when the host maps private memory at 4 KiB only).
   */
  splitCrossBoundaryLeafs(pfn: number, n: number): number;
  /** shared → private: KVM zapped the shared EPT; the pages are private again and pending until the guest accepts (AUG on its EPT violation). */
  unmapShared(pfn: number, n: number): void;
}

/** First vector usable for device and event-notify interrupts (FIRST_EXTERNAL_VECTOR, GHCI SetupEventNotifyInterrupt: 32..255). */
export const FIRST_EXTERNAL_VECTOR = 32;
export const NR_VECTORS = 256;

/** The host → guest interrupt path: inject `vector` into vCPU `cpu` (QEMU tdx_inject_interrupt → the vCPU's APIC). */
export interface VcpuInterrupts {
  inject(vector: number, cpu: number): void;
}

/** TDX_REPORTDATA_LEN (arch/x86/include/asm/shared/tdx.h). */
export const TDX_REPORTDATA_LEN = 64;
/** TDX_REPORT_LEN: the TDREPORT_STRUCT TDG.MR.REPORT writes. */
export const TDX_REPORT_LEN = TDREPORT_SIZE;
