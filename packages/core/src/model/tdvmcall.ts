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
