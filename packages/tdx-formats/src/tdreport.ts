/**
 * TDREPORT_STRUCT codec (1024 bytes, little-endian), docs/model.md §7; layout as
 * in Linux `struct tdx_report_req` consumers and the TDX module ABI
 * (REPORTMACSTRUCT 0..256, TEE_TCB_INFO 256..495, reserved 495..512,
 * TDINFO 512..1024). TDX 1.5 reports (REPORTTYPE.VERSION 1) carry
 * TEE_TCB_SVN2 at 384 and SERVTD_HASH at 912; on TDX 1.0 those bytes are
 * reserved and kept verbatim.
 */
import { ByteReader, ByteWriter } from './bytes.js';

const S = 'TDREPORT_STRUCT';

/** TDREPORT_STRUCT size, docs/model.md §7. */
export const TDREPORT_SIZE = 1024;
/** REPORTTYPE.TYPE of a TDX report, docs/model.md §7. */
export const TDREPORT_TYPE_TDX = 0x81;

/** Byte offsets inside TDREPORT_STRUCT (docs/model.md §7). */
export const TDREPORT_OFFSETS = {
  reportType: 0,
  cpuSvn: 16,
  teeTcbInfoHash: 32,
  teeInfoHash: 80,
  reportData: 128,
  mac: 224,
  teeTcbInfo: 256,
  teeTcbInfoEnd: 495,
  tdInfo: 512,
  teeTcbSvn2: 384,
  servTdHash: 912,
} as const;

/** TDX module generation, from REPORTTYPE.VERSION (0 → 1.0, 1 → 1.5). */
export type TdxVersion = '1.0' | '1.5';

/** REPORTMACSTRUCT.REPORTTYPE (4 bytes at 0). */
export interface ReportType {
  type: number;
  subtype: number;
  version: number;
  reserved: number;
}

/** TEE_TCB_INFO (239 bytes at 256). */
export interface TeeTcbInfo {
  valid: Uint8Array; // 8
  teeTcbSvn: Uint8Array; // 16
  mrSeam: Uint8Array; // 48
  mrSignerSeam: Uint8Array; // 48
  attributes: Uint8Array; // 8 (SEAM attributes)
  /** TDX 1.5 only (16 bytes at 384). */
  teeTcbSvn2?: Uint8Array;
  /** Reserved tail up to 495: 111 bytes on 1.0, 95 on 1.5. */
  reserved: Uint8Array;
}

/** TDINFO (512 bytes at 512). */
export interface TdInfo {
  attributes: Uint8Array; // 8, TD_ATTRIBUTES
  xfam: Uint8Array; // 8
  mrTd: Uint8Array; // 48
  mrConfigId: Uint8Array; // 48
  mrOwner: Uint8Array; // 48
  mrOwnerConfig: Uint8Array; // 48
  rtmr: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]; // 4 x 48
  /** TDX 1.5 only (48 bytes at 912). */
  servTdHash?: Uint8Array;
  /** Reserved tail up to 1024: 112 bytes on 1.0, 64 on 1.5. */
  reserved: Uint8Array;
}

/** A parsed TDREPORT_STRUCT; every byte is kept so serialize() reproduces the input. */
export interface TdReport {
  tdxVersion: TdxVersion;
  reportType: ReportType;
  reserved1: Uint8Array; // 12 at 4
  cpuSvn: Uint8Array; // 16 at 16
  teeTcbInfoHash: Uint8Array; // 48 at 32
  teeInfoHash: Uint8Array; // 48 at 80
  reportData: Uint8Array; // 64 at 128
  reserved2: Uint8Array; // 32 at 192
  mac: Uint8Array; // 32 at 224
  teeTcbInfo: TeeTcbInfo;
  reserved3: Uint8Array; // 17 at 495
  tdInfo: TdInfo;
}

/** Parse exactly 1024 bytes; type must be 0x81, subtype 0, version 0 or 1. Throws only FormatError. */
export function parseTdReport(bytes: Uint8Array): TdReport {
  const r = new ByteReader(bytes, S);
  if (bytes.length !== TDREPORT_SIZE) {
    throw r.error('length', 0, `${bytes.length} bytes`, `${TDREPORT_SIZE} bytes`);
  }
  const reportType = { type: r.u8('REPORTTYPE.TYPE'), subtype: r.u8('REPORTTYPE.SUBTYPE'), version: r.u8('REPORTTYPE.VERSION'), reserved: r.u8('REPORTTYPE.RESERVED') };
  if (reportType.type !== TDREPORT_TYPE_TDX) throw r.error('REPORTTYPE.TYPE', 0, hexByte(reportType.type), '0x81 (TDX)');
  if (reportType.subtype !== 0) throw r.error('REPORTTYPE.SUBTYPE', 1, String(reportType.subtype), '0', 'unsupported');
  if (reportType.version !== 0 && reportType.version !== 1) throw r.error('REPORTTYPE.VERSION', 2, String(reportType.version), '0 (TDX 1.0) or 1 (TDX 1.5)', 'unsupported');
  const is15 = reportType.version === 1;
  const head = {
    reserved1: r.take(12, 'REPORTMACSTRUCT reserved'),
    cpuSvn: r.take(16, 'CPUSVN'),
    teeTcbInfoHash: r.take(48, 'TEE_TCB_INFO_HASH'),
    teeInfoHash: r.take(48, 'TEE_INFO_HASH'),
    reportData: r.take(64, 'REPORTDATA'),
    reserved2: r.take(32, 'REPORTMACSTRUCT reserved'),
    mac: r.take(32, 'MAC'),
  };
  const teeTcbInfo: TeeTcbInfo = {
    valid: r.take(8, 'TEE_TCB_INFO.VALID'),
    teeTcbSvn: r.take(16, 'TEE_TCB_SVN'),
    mrSeam: r.take(48, 'MRSEAM'),
    mrSignerSeam: r.take(48, 'MRSIGNERSEAM'),
    attributes: r.take(8, 'TEE_TCB_INFO.ATTRIBUTES'),
    reserved: new Uint8Array(0),
  };
  if (is15) teeTcbInfo.teeTcbSvn2 = r.take(16, 'TEE_TCB_SVN2');
  teeTcbInfo.reserved = r.take(TDREPORT_OFFSETS.teeTcbInfoEnd - r.offset, 'TEE_TCB_INFO reserved');
  const reserved3 = r.take(17, 'reserved');
  const tdInfo: TdInfo = {
    attributes: r.take(8, 'TDINFO.ATTRIBUTES'),
    xfam: r.take(8, 'XFAM'),
    mrTd: r.take(48, 'MRTD'),
    mrConfigId: r.take(48, 'MRCONFIGID'),
    mrOwner: r.take(48, 'MROWNER'),
    mrOwnerConfig: r.take(48, 'MROWNERCONFIG'),
    rtmr: [r.take(48, 'RTMR0'), r.take(48, 'RTMR1'), r.take(48, 'RTMR2'), r.take(48, 'RTMR3')],
    reserved: new Uint8Array(0),
  };
  if (is15) tdInfo.servTdHash = r.take(48, 'SERVTD_HASH');
  tdInfo.reserved = r.rest();
  return { tdxVersion: is15 ? '1.5' : '1.0', reportType, ...head, teeTcbInfo, reserved3, tdInfo };
}

/** Serialize a TdReport back to 1024 bytes (fixed field sizes are checked). Throws only FormatError. */
export function serializeTdReport(report: TdReport): Uint8Array {
  const w = new ByteWriter(S);
  const t = report.reportType;
  w.u8(t.type, 'REPORTTYPE.TYPE').u8(t.subtype, 'REPORTTYPE.SUBTYPE').u8(t.version, 'REPORTTYPE.VERSION').u8(t.reserved, 'REPORTTYPE.RESERVED');
  w.bytes(report.reserved1, 'REPORTMACSTRUCT reserved', 12).bytes(report.cpuSvn, 'CPUSVN', 16);
  w.bytes(report.teeTcbInfoHash, 'TEE_TCB_INFO_HASH', 48).bytes(report.teeInfoHash, 'TEE_INFO_HASH', 48);
  w.bytes(report.reportData, 'REPORTDATA', 64).bytes(report.reserved2, 'REPORTMACSTRUCT reserved', 32).bytes(report.mac, 'MAC', 32);
  const tcb = report.teeTcbInfo;
  w.bytes(tcb.valid, 'TEE_TCB_INFO.VALID', 8).bytes(tcb.teeTcbSvn, 'TEE_TCB_SVN', 16).bytes(tcb.mrSeam, 'MRSEAM', 48);
  w.bytes(tcb.mrSignerSeam, 'MRSIGNERSEAM', 48).bytes(tcb.attributes, 'TEE_TCB_INFO.ATTRIBUTES', 8);
  if (tcb.teeTcbSvn2) w.bytes(tcb.teeTcbSvn2, 'TEE_TCB_SVN2', 16);
  w.bytes(tcb.reserved, 'TEE_TCB_INFO reserved', TDREPORT_OFFSETS.teeTcbInfoEnd - w.offset);
  w.bytes(report.reserved3, 'reserved', 17);
  const td = report.tdInfo;
  w.bytes(td.attributes, 'TDINFO.ATTRIBUTES', 8).bytes(td.xfam, 'XFAM', 8).bytes(td.mrTd, 'MRTD', 48);
  w.bytes(td.mrConfigId, 'MRCONFIGID', 48).bytes(td.mrOwner, 'MROWNER', 48).bytes(td.mrOwnerConfig, 'MROWNERCONFIG', 48);
  for (const [i, m] of td.rtmr.entries()) w.bytes(m, `RTMR${i}`, 48);
  if (td.servTdHash) w.bytes(td.servTdHash, 'SERVTD_HASH', 48);
  w.bytes(td.reserved, 'TDINFO reserved', TDREPORT_SIZE - w.offset);
  return w.finish();
}

function hexByte(v: number): string {
  return `0x${v.toString(16).padStart(2, '0')}`;
}
