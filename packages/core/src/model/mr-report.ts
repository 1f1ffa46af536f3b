import { generateTdReport, TDREPORT_SIZE } from '@tdx-shbuf/tdx-formats';
import type { Machine } from './machine.js';
import { PageState } from './memory.js';
import { TDX_STATUS } from './tdvmcall.js';
import { tdMeasurements } from './measurements.js';
import { fail, type Result } from '../contract/errors.js';
import { guestRead, guestWrite } from './access.js';
import { PAGE_SIZE } from './units.js';

/** TDX_REPORTDATA_LEN (arch/x86/include/asm/shared/tdx.h). */
export const TDX_REPORTDATA_LEN = 64;
/** TDX_REPORT_LEN. */
export const TDX_REPORT_LEN = TDREPORT_SIZE;

/**
 * TDG.MR.REPORT (TDCALL leaf 4; TDX module ABI): rcx = GPA of the 1024-byte
 * TDREPORT_STRUCT output (1024-aligned), rdx = GPA of the 64-byte REPORTDATA
 * (64-aligned), r8 = report subtype (0). Both must be private accepted memory
 * (the shared bit is outside the private GPA range → TDX_OPERAND_INVALID).
 * The report is a real TDREPORT_STRUCT from tdx-formats' generateTdReport with
 * the platform's measurements and its per-platform MAC key.
 */
export function tdgMrReport(m: Machine, reportGpa: number, reportDataGpa: number, subtype: number, macKey: Uint8Array): bigint {
  m.counters.tdcalls++;
  m.sched.charge(m.cost.tdcallNs);
  if (subtype !== 0) return TDX_STATUS.OPERAND_INVALID;
  if (reportGpa % TDX_REPORT_LEN !== 0 || reportDataGpa % TDX_REPORTDATA_LEN !== 0) return TDX_STATUS.OPERAND_INVALID;
  const privateAccepted = (gpa: number, len: number) => {
    if (gpa + len > m.mem.maxPfn * PAGE_SIZE) return false; // also rejects the shared bit
    const first = Math.floor(gpa / PAGE_SIZE);
    const last = Math.floor((gpa + len - 1) / PAGE_SIZE);
    return m.mem.every(first, last - first + 1, (state) => state === PageState.PrivateAccepted);
  };
  if (!privateAccepted(reportGpa, TDX_REPORT_LEN) || !privateAccepted(reportDataGpa, TDX_REPORTDATA_LEN)) return TDX_STATUS.OPERAND_INVALID;
  const reportData = m.mem.readData('private', reportDataGpa, TDX_REPORTDATA_LEN);
  const report = generateTdReport({ reportData, measurements: tdMeasurements(m.config.measurements), tdxVersion: m.config.tdxVersion, macKey });
  m.mem.writeData('private', reportGpa, report);
  return TDX_STATUS.SUCCESS;
}

/**
 * tdx_mcall_get_report0(reportdata, tdreport) (arch/x86/coco/tdx/tdx.c): the
 * caller's kmalloc'd buffers, here one private page (REPORTDATA at 0, the
 * TDREPORT at 1024) taken from and returned to the page allocator.
 * TDCALL_INVALID_OPERAND → -EINVAL, any other failure → -EIO.
 */
export function tdxMcallGetReport0(m: Machine, reportData: Uint8Array): Result<Uint8Array> {
  if (reportData.length !== TDX_REPORTDATA_LEN) return fail('EINVAL', `tdx_mcall_get_report0: REPORTDATA is ${reportData.length} bytes, expected 64`);
  const pfn = m.pages.allocPages(0, 'Normal');
  if (pfn === undefined) return fail('ENOMEM', 'tdx_mcall_get_report0: kmalloc of the report buffers failed');
  try {
    const kva = m.pageAddress(pfn);
    const w = guestWrite(m, kva, reportData);
    if (!w.ok) return w;
    const pa = pfn * PAGE_SIZE;
    const status = m.tdx.mrReport(pa + TDX_REPORT_LEN, pa, 0);
    if (status === TDX_STATUS.OPERAND_INVALID) return fail('EINVAL', 'TDG.MR.REPORT: TDCALL_INVALID_OPERAND');
    if (status !== TDX_STATUS.SUCCESS) return fail('EIO', `TDG.MR.REPORT failed: status 0x${status.toString(16)}`);
    return guestRead(m, kva + TDX_REPORT_LEN, TDX_REPORT_LEN);
  } finally {
    m.pages.freePages(pfn, 0);
  }
}
