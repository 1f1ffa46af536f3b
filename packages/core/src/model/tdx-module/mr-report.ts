import { generateTdReport } from '@tdx-shbuf/tdx-formats';
import { PageState, type GuestMemory } from '../memory/phys-mem.js';
import { TDX_REPORT_LEN, TDX_REPORTDATA_LEN, TDX_STATUS } from '../../abi/tdcall.js';
import { tdMeasurements } from '../../platform/measurements.js';
import { PAGE_SIZE } from '../../abi/units.js';
import type { Sim } from '../sim/sim.js';

/**
 * TDG.MR.REPORT (TDCALL leaf 4; TDX module ABI): rcx = GPA of the 1024-byte
 * TDREPORT_STRUCT output (1024-aligned), rdx = GPA of the 64-byte REPORTDATA
 * (64-aligned), r8 = report subtype (0). Both must be private accepted memory
 * (the shared bit is outside the private GPA range → TDX_OPERAND_INVALID).
 * The report is a real TDREPORT_STRUCT from tdx-formats' generateTdReport with
 * the platform's measurements and its per-platform MAC key.
 */
export function tdgMrReport(sim: Sim, mem: GuestMemory, reportGpa: number, reportDataGpa: number, subtype: number, macKey: Uint8Array): bigint {
  sim.counters.tdcalls++;
  sim.sched.charge(sim.cost.tdcallNs, 'tdcall');
  if (subtype !== 0) return TDX_STATUS.OPERAND_INVALID;
  if (reportGpa % TDX_REPORT_LEN !== 0 || reportDataGpa % TDX_REPORTDATA_LEN !== 0) return TDX_STATUS.OPERAND_INVALID;
  const privateAccepted = (gpa: number, len: number) => {
    if (gpa + len > mem.maxPfn * PAGE_SIZE) return false; // also rejects the shared bit
    const first = Math.floor(gpa / PAGE_SIZE);
    const last = Math.floor((gpa + len - 1) / PAGE_SIZE);
    return mem.allInState(first, last - first + 1, PageState.PrivateAccepted);
  };
  if (!privateAccepted(reportGpa, TDX_REPORT_LEN) || !privateAccepted(reportDataGpa, TDX_REPORTDATA_LEN)) return TDX_STATUS.OPERAND_INVALID;
  const reportData = mem.readData('private', reportDataGpa, TDX_REPORTDATA_LEN);
  const report = generateTdReport({ reportData, measurements: tdMeasurements(sim.config.measurements), tdxVersion: sim.config.tdxVersion, macKey });
  mem.writeData('private', reportGpa, report);
  return TDX_STATUS.SUCCESS;
}
