/**
 * TDG.MR.REPORT as a pure function: builds a TDREPORT_STRUCT (docs/model.md §7) from
 * REPORTDATA and the TD's measurements, with TEE_TCB_INFO_HASH =
 * SHA-384(bytes 256..495) at 32, TEE_INFO_HASH = SHA-384(bytes 512..1024) at
 * 80, and a MAC at 224..256.
 *
 * MODEL: the real MAC is computed by the CPU (a CMAC with a key that never
 * leaves the platform, checked by EVERIFYREPORT2 in the quoting enclave).
 * Here it is HMAC-SHA-256 over REPORTMACSTRUCT bytes 0..224 with a
 * per-platform key the simulated host and quote service share.
 */
import { createHash, createHmac } from 'node:crypto';
import { FormatError } from './errors.js';
import { bytesEqual } from './hex.js';
import { TDREPORT_SIZE, TDREPORT_TYPE_TDX, type TdxVersion } from './tdreport.js';

/** Measurements and TCB values to put into the report; every field has a default. */
export interface TdMeasurements {
  /** 48 bytes; default all zero. */
  mrTd?: Uint8Array;
  /** RTMR0..3, 48 bytes each; default all zero. */
  rtmr?: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  /** 48 bytes each; default all zero. */
  mrConfigId?: Uint8Array;
  mrOwner?: Uint8Array;
  mrOwnerConfig?: Uint8Array;
  /** TD_ATTRIBUTES, 8 bytes LE; default bit 28 SEPT_VE_DISABLE only (`0000001000000000`), as a production Linux TD runs. */
  attributes?: Uint8Array;
  /** XFAM, 8 bytes LE; default `e702060000000000` (the real TDREPORT vector's value). */
  xfam?: Uint8Array;
  /** TEE_TCB_SVN, 16 bytes; default all zero. */
  teeTcbSvn?: Uint8Array;
  /** TEE_TCB_SVN2 (TDX 1.5 only), 16 bytes; default all zero. */
  teeTcbSvn2?: Uint8Array;
  /** MRSEAM, MRSIGNERSEAM: 48 bytes; default all zero. */
  mrSeam?: Uint8Array;
  mrSignerSeam?: Uint8Array;
  /** SEAM ATTRIBUTES at 376, 8 bytes; default all zero. */
  seamAttributes?: Uint8Array;
  /** TEE_TCB_INFO.VALID, 8 bytes; default 0x1ff (the real vector's value). */
  teeTcbInfoValid?: Uint8Array;
  /** CPUSVN, 16 bytes; default all zero. */
  cpuSvn?: Uint8Array;
  /** SERVTD_HASH (TDX 1.5 only), 48 bytes; default all zero. */
  servTdHash?: Uint8Array;
}

/** Inputs of {@link generateTdReport}. */
export interface GenerateTdReportInput {
  /** 64 bytes, placed at 128. */
  reportData: Uint8Array;
  measurements?: TdMeasurements;
  /** Default '1.5' → REPORTTYPE.VERSION 1; '1.0' → 0. */
  tdxVersion?: TdxVersion;
  /** Per-platform MAC key (any length; 32 bytes suggested). */
  macKey: Uint8Array;
}

const DEFAULT_ATTRIBUTES = Uint8Array.from([0, 0, 0, 0x10, 0, 0, 0, 0]);
const DEFAULT_XFAM = Uint8Array.from([0xe7, 0x02, 0x06, 0, 0, 0, 0, 0]);
const DEFAULT_VALID = Uint8Array.from([0xff, 0x01, 0, 0, 0, 0, 0, 0]);

function put(out: Uint8Array, at: number, size: number, value: Uint8Array | undefined, field: string): void {
  if (value === undefined) return;
  if (value.length !== size) {
    throw new FormatError({ structure: 'TDREPORT_STRUCT', field, offset: at, actual: `${value.length} bytes long`, expected: `${size} bytes` });
  }
  out.set(value, at);
}

/** MAC over REPORTMACSTRUCT bytes 0..224 (model: HMAC-SHA-256, see file comment). */
export function tdReportMac(report: Uint8Array, macKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', macKey).update(report.subarray(0, 224)).digest());
}

/** Build a 1024-byte TDREPORT_STRUCT. Throws FormatError when a field has the wrong size. */
export function generateTdReport(input: GenerateTdReportInput): Uint8Array {
  const m = input.measurements ?? {};
  const v15 = (input.tdxVersion ?? '1.5') === '1.5';
  const r = new Uint8Array(TDREPORT_SIZE);
  r.set([TDREPORT_TYPE_TDX, 0, v15 ? 1 : 0, 0], 0);
  put(r, 16, 16, m.cpuSvn, 'CPUSVN');
  put(r, 128, 64, input.reportData, 'REPORTDATA');
  put(r, 256, 8, m.teeTcbInfoValid ?? DEFAULT_VALID, 'TEE_TCB_INFO.VALID');
  put(r, 264, 16, m.teeTcbSvn, 'TEE_TCB_SVN');
  put(r, 280, 48, m.mrSeam, 'MRSEAM');
  put(r, 328, 48, m.mrSignerSeam, 'MRSIGNERSEAM');
  put(r, 376, 8, m.seamAttributes, 'TEE_TCB_INFO.ATTRIBUTES');
  if (v15) put(r, 384, 16, m.teeTcbSvn2, 'TEE_TCB_SVN2');
  put(r, 512, 8, m.attributes ?? DEFAULT_ATTRIBUTES, 'TDINFO.ATTRIBUTES');
  put(r, 520, 8, m.xfam ?? DEFAULT_XFAM, 'XFAM');
  put(r, 528, 48, m.mrTd, 'MRTD');
  put(r, 576, 48, m.mrConfigId, 'MRCONFIGID');
  put(r, 624, 48, m.mrOwner, 'MROWNER');
  put(r, 672, 48, m.mrOwnerConfig, 'MROWNERCONFIG');
  for (const [i, v] of (m.rtmr ?? []).entries()) put(r, 720 + 48 * i, 48, v, `RTMR${i}`);
  if (v15) put(r, 912, 48, m.servTdHash, 'SERVTD_HASH');
  r.set(createHash('sha384').update(r.subarray(256, 495)).digest(), 32);
  r.set(createHash('sha384').update(r.subarray(512, 1024)).digest(), 80);
  r.set(tdReportMac(r, input.macKey), 224);
  return r;
}

/**
 * How far a TDREPORT could be checked: `verified` (both hashes and the MAC),
 * `consistent` (both hashes hold but no MAC key was given — anyone can
 * recompute SHA-384 over edited fields, so this proves nothing about origin),
 * `failed` (a check failed).
 */
export type TdReportVerdict = 'verified' | 'consistent' | 'failed';

/** Outcome of {@link verifyTdReport}; `macValid` is undefined when no key was given. */
export interface TdReportVerification {
  /** True only when the MAC was checked and every check holds (`verdict === 'verified'`). */
  valid: boolean;
  verdict: TdReportVerdict;
  teeTcbInfoHashValid: boolean;
  teeInfoHashValid: boolean;
  macValid: boolean | undefined;
}

/**
 * Check both hashes, and the MAC when `macKey` is given. Without a key the
 * best verdict is `consistent`, never `verified`: on hardware only the CPU
 * (EVERIFYREPORT2 in the quoting enclave) can check the MAC. Never throws; a
 * wrong length fails every check.
 */
export function verifyTdReport(bytes: Uint8Array, macKey?: Uint8Array): TdReportVerification {
  if (bytes.length !== TDREPORT_SIZE) {
    return { valid: false, verdict: 'failed', teeTcbInfoHashValid: false, teeInfoHashValid: false, macValid: macKey ? false : undefined };
  }
  const teeTcbInfoHashValid = bytesEqual(bytes.subarray(32, 80), createHash('sha384').update(bytes.subarray(256, 495)).digest());
  const teeInfoHashValid = bytesEqual(bytes.subarray(80, 128), createHash('sha384').update(bytes.subarray(512, 1024)).digest());
  const macValid = macKey ? bytesEqual(bytes.subarray(224, 256), tdReportMac(bytes, macKey)) : undefined;
  const verdict: TdReportVerdict = !teeTcbInfoHashValid || !teeInfoHashValid || macValid === false ? 'failed' : macValid ? 'verified' : 'consistent';
  return { valid: verdict === 'verified', verdict, teeTcbInfoHashValid, teeInfoHashValid, macValid };
}
