/**
 * A simulated Quote Generation Service (docs/architecture.md "quote service"; docs/model.md §7).
 * Speaks the QGS wire format, checks the TDREPORT as QGS/the TD QE do (type
 * 0x81, subtype 0, version 0|1, reserved fields zero, MAC), and answers with
 * a real-layout Quote v4 signed by a simulated QE whose chain ends at a root
 * named "tdx-shbuf SIMULATED Root CA". Pure computation: no timers, no I/O.
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual, isAllZero, toHex } from './hex.js';
import { encodeGetQuoteResponse, QGS_MSG_ERROR, type QgsFraming } from './qgs.js';
import { inflateGetQuoteRequest } from './qgs-inflate.js';
import { quoteFromQe, simulatedQe, type SimulatedQe } from './sim-quote.js';
import { createSimulatedPki, type SimulatedPki } from './sim-pki.js';
import { TDREPORT_SIZE, TDREPORT_TYPE_TDX } from './tdreport.js';
import { tdReportMac } from './tdreport-generate.js';

/** Options of {@link createSimulatedQuoteService}. */
export interface SimulatedQuoteServiceOptions {
  /** The per-platform key the simulated TDX module MACs reports with (same as generateTdReport's `macKey`). */
  platformMacKey: Uint8Array;
  /** Seed for every key and certificate; same seed → identical PKI and quotes. Default: 32 random bytes (see `seed`). */
  seed?: Uint8Array | string;
  /** Pad each quote with zeros to this total size, as QGS pads to its reserved size (e.g. 5006). Default: no padding. */
  padQuoteTo?: number;
  /** QE authentication data in every quote. Default: 32 bytes 0x00..0x1f. */
  qeAuthData?: Uint8Array;
}

/** The outcome of quoting one TDREPORT. */
export type QuoteResult = { ok: true; quote: Uint8Array } | { ok: false; errorCode: number; reason: string };

/** A simulated QGS instance; its keys and certificates are fixed at construction. */
export interface SimulatedQuoteService {
  /** The seed actually used (the random one when none was given). */
  readonly seed: Uint8Array;
  /** The simulated root CA certificate (PEM); pass it as `trustedRootPem` to verify its quotes. */
  readonly rootCaPem: string;
  /** Lower-case hex SHA-256 of the root certificate's DER. */
  readonly rootSha256: string;
  /** Leaf, intermediate and root PEM, as carried in every quote. */
  readonly pckCertChainPem: string;
  /** The attestation public key x‖y (64 bytes). */
  readonly attestationPublicKey: Uint8Array;
  /** QGS request bytes in (framed by default), QGS response bytes out; never throws. */
  handleRequest(request: Uint8Array, opts?: QgsFraming): Uint8Array;
  /** Check a TDREPORT and quote it, or return the QGS error code. Never throws. */
  quoteTdReport(tdReport: Uint8Array): QuoteResult;
}

/**
 * Check a TDREPORT as QGS does before quoting (docs/model.md §7): size 1024, REPORTTYPE
 * 81 00 00|01 with a zero reserved byte, reserved fields zero, and the MAC.
 * Error mapping (a modeling choice): malformed → INVALID_PARAMETER, bad MAC → UNEXPECTED.
 */
export function checkTdReportForQgs(report: Uint8Array, macKey: Uint8Array): { ok: true } | { ok: false; errorCode: number; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, errorCode: QGS_MSG_ERROR.INVALID_PARAMETER, reason });
  if (report.length !== TDREPORT_SIZE) return bad(`TDREPORT is ${report.length} bytes, expected 1024`);
  const [type, subtype, version, reserved] = report;
  if (type !== TDREPORT_TYPE_TDX) return bad(`REPORTTYPE.TYPE is ${type}, expected 0x81`);
  if (subtype !== 0) return bad(`REPORTTYPE.SUBTYPE is ${subtype}, expected 0`);
  if (version !== 0 && version !== 1) return bad(`REPORTTYPE.VERSION is ${version}, expected 0 or 1`);
  const tcbReservedFrom = version === 1 ? 400 : 384; // TEE_TCB_SVN2 at 384 on 1.5
  const tdReservedFrom = version === 1 ? 960 : 912; // SERVTD_HASH at 912 on 1.5
  const reservedRanges: [number, number][] = [
    [4, 16],
    [192, 224],
    [tcbReservedFrom, 495],
    [495, 512],
    [tdReservedFrom, 1024],
  ];
  if (reserved !== 0) return bad('REPORTTYPE reserved byte is not zero');
  for (const [from, to] of reservedRanges) {
    if (!isAllZero(report.subarray(from, to))) return bad(`reserved bytes ${from}..${to} are not zero`);
  }
  if (!bytesEqual(report.subarray(224, 256), tdReportMac(report, macKey))) {
    return { ok: false, errorCode: QGS_MSG_ERROR.UNEXPECTED, reason: 'TDREPORT MAC does not verify with the platform key' };
  }
  return { ok: true };
}

/** Most PKI + QE pairs kept by {@link cachedQe}: a sweep uses one platform seed, tests a handful. */
const QE_CACHE_ENTRIES = 8;
const qeCache = new Map<string, { pki: SimulatedPki; qe: SimulatedQe }>();

/**
 * The PKI and QE of `seed` and `qeAuthData`, built once: both are pure functions of
 * them, and building them (four key derivations, three certificates, the QE report
 * signature) would otherwise be repeated by every run of an experiment. Entries are
 * never handed out: the service exposes copies and strings only.
 */
function cachedQe(seed: Uint8Array, qeAuthData: Uint8Array | undefined): { pki: SimulatedPki; qe: SimulatedQe } {
  const key = `${toHex(seed)}/${qeAuthData ? toHex(qeAuthData) : 'default'}`;
  let entry = qeCache.get(key);
  if (entry === undefined) {
    const pki = createSimulatedPki(seed);
    entry = { pki, qe: simulatedQe(pki, seed, qeAuthData) };
    if (qeCache.size >= QE_CACHE_ENTRIES) qeCache.delete(qeCache.keys().next().value!);
    qeCache.set(key, entry);
  }
  return entry;
}

/** Create a simulated QGS. Synchronous; the caller models latency. */
export function createSimulatedQuoteService(opts: SimulatedQuoteServiceOptions): SimulatedQuoteService {
  const seed = typeof opts.seed === 'string' ? new TextEncoder().encode(opts.seed) : (opts.seed?.slice() ?? new Uint8Array(randomBytes(32)));
  const { pki, qe } = cachedQe(seed, opts.qeAuthData);
  const macKey = opts.platformMacKey.slice();
  const padTo = opts.padQuoteTo;

  const quoteTdReport = (tdReport: Uint8Array): QuoteResult => {
    const check = checkTdReportForQgs(tdReport, macKey);
    if (!check.ok) return check;
    return { ok: true, quote: quoteFromQe(qe, tdReport, padTo) };
  };

  const handleRequest = (request: Uint8Array, framing: QgsFraming = {}): Uint8Array => {
    const framed = framing.framed ?? true;
    let msg = request;
    if (framed) {
      const len = request.length >= 4 ? new DataView(request.buffer, request.byteOffset, 4).getUint32(0, false) : -1;
      if (len !== request.length - 4) return encodeGetQuoteResponse({ errorCode: QGS_MSG_ERROR.INVALID_SIZE }, framing);
      msg = request.subarray(4);
    }
    const req = inflateGetQuoteRequest(msg);
    if (!req.ok) return encodeGetQuoteResponse({ errorCode: req.errorCode }, framing);
    const result = quoteTdReport(req.report);
    return encodeGetQuoteResponse(result.ok ? { quote: result.quote } : { errorCode: result.errorCode }, framing);
  };

  return {
    seed: seed.slice(),
    rootCaPem: pki.rootPem,
    rootSha256: pki.rootSha256,
    pckCertChainPem: pki.chainPem,
    attestationPublicKey: pki.attestationKey.publicKey.slice(),
    handleRequest,
    quoteTdReport,
  };
}
