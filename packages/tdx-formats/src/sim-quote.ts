/**
 * Builds a real-layout TDX Quote v4 (docs/model.md §7) from a TDREPORT_STRUCT, signed
 * by the simulated QE: header (version 4, att key type 2, tee type 0x81,
 * Intel QE vendor ID), body copied from the report, ECDSA signature data with
 * a QE report binding the attestation key and a PCK chain.
 */
import { createHash } from 'node:crypto';
import { concatBytes } from './hex.js';
import { ATT_KEY_TYPE_ECDSA_P256, INTEL_QE_VENDOR_ID, QUOTE_HEADER_SIZE, serializeQuote, TEE_TYPE_TDX, type Quote } from './quote-codec.js';
import { TD_QUOTE_BODY_V1_0_SIZE, type TdQuoteBody } from './quote-body.js';
import { QE_REPORT_DATA_OFFSET, QE_REPORT_SIZE } from './quote-signature.js';
import type { SimulatedPki } from './sim-pki.js';
import { signP256, type P256KeyPair } from './sim-keys.js';

/** Bytes the v4 quote signature covers: header + TD 1.0 body (632). */
const QUOTE_V4_SIGNED_LENGTH = QUOTE_HEADER_SIZE + TD_QUOTE_BODY_V1_0_SIZE;

/** The TD quote body a TDREPORT yields (TDREPORT offsets from docs/model.md §7). */
export function quoteBodyFromTdReport(report: Uint8Array): TdQuoteBody {
  const at = (o: number, n: number) => report.slice(o, o + n);
  return {
    teeTcbSvn: at(264, 16),
    mrSeam: at(280, 48),
    mrSignerSeam: at(328, 48),
    seamAttributes: at(376, 8),
    tdAttributes: at(512, 8),
    xfam: at(520, 8),
    mrTd: at(528, 48),
    mrConfigId: at(576, 48),
    mrOwner: at(624, 48),
    mrOwnerConfig: at(672, 48),
    rtmr: [at(720, 48), at(768, 48), at(816, 48), at(864, 48)],
    reportData: at(128, 64),
  };
}

/**
 * A simulated QE report (SGX report body, DCAP sgx_report_body_t): fixed
 * identity fields and REPORTDATA[0:32] = SHA-256(att_key ‖ qe_auth_data), [32:64] = 0.
 */
export function simulatedQeReport(seed: Uint8Array, attestationKey: Uint8Array, qeAuthData: Uint8Array): Uint8Array {
  const r = new Uint8Array(QE_REPORT_SIZE);
  const id = (label: string) => createHash('sha256').update(seed).update(label).digest();
  r[48] = 0x05; // ATTRIBUTES.FLAGS: INIT | MODE64BIT
  r.set(id('simulated TD QE MRENCLAVE'), 64); // MRENCLAVE
  r.set(id('simulated TD QE MRSIGNER'), 128); // MRSIGNER
  r[256] = 2; // ISVPRODID 2: the TD quoting enclave
  r.set(createHash('sha256').update(attestationKey).update(qeAuthData).digest(), QE_REPORT_DATA_OFFSET);
  return r;
}

/** QE authentication data of the simulated QE's quotes unless given: 32 bytes 0x00..0x1f. */
const defaultQeAuthData = () => Uint8Array.from({ length: 32 }, (_, i) => i);

/**
 * A simulated TD quoting enclave: its attestation key and what every quote it
 * gives carries unchanged — header user_data, QE report, the PCK leaf's
 * signature of that report, QE auth data, PCK chain. Built once per PKI, seed
 * and QE auth data, so the QE report is signed once rather than per quote.
 */
export interface SimulatedQe {
  attestationKey: P256KeyPair;
  /** Header user_data: a 16-byte QE identifier then zeros, as real quotes carry. */
  userData: Uint8Array;
  qeReport: Uint8Array;
  /** ECDSA of the QE report by the PCK leaf key. */
  qeReportSignature: Uint8Array;
  qeAuthData: Uint8Array;
  /** The PEM chain with its counted trailing NUL, as the v5 vector. */
  pckCertChain: Uint8Array;
}

/** The simulated QE of `pki` and `seed`, QE auth data by default 32 bytes 0x00..0x1f (same inputs → byte-identical output). */
export function simulatedQe(pki: SimulatedPki, seed: Uint8Array, qeAuthData: Uint8Array = defaultQeAuthData()): SimulatedQe {
  const qeReport = simulatedQeReport(seed, pki.attestationKey.publicKey, qeAuthData);
  return {
    attestationKey: pki.attestationKey,
    userData: concatBytes(createHash('sha256').update(seed).update('QE ID').digest().subarray(0, 16), new Uint8Array(4)),
    qeReport,
    qeReportSignature: signP256(qeReport, pki.pckLeafKey.secretKey),
    qeAuthData: qeAuthData.slice(),
    pckCertChain: concatBytes(new TextEncoder().encode(pki.chainPem), Uint8Array.of(0)),
  };
}

/** Serialized Quote v4 for `report` (a validated 1024-byte TDREPORT) from `qe`; zero-padded to `padTo` bytes when given. */
export function quoteFromQe(qe: SimulatedQe, report: Uint8Array, padTo?: number): Uint8Array {
  const quote: Quote = {
    header: {
      version: 4,
      attKeyType: ATT_KEY_TYPE_ECDSA_P256,
      teeType: TEE_TYPE_TDX,
      reserved: new Uint8Array(4),
      qeVendorId: INTEL_QE_VENDOR_ID,
      userData: qe.userData,
    },
    body: quoteBodyFromTdReport(report),
    sigDataLen: 0,
    signedLength: QUOTE_V4_SIGNED_LENGTH,
    trailing: new Uint8Array(0),
    signatureData: {
      signature: new Uint8Array(64), // signed below, over the serialized header + body
      attestationKey: qe.attestationKey.publicKey,
      qeReport: qe.qeReport,
      qeReportSignature: qe.qeReportSignature,
      qeAuthData: qe.qeAuthData,
      pckCertChain: qe.pckCertChain,
    },
  };
  const bytes = serializeQuote(quote);
  // the quote signature covers header + body and is the first field after sig_data_len (docs/model.md §7)
  bytes.set(signP256(bytes.subarray(0, QUOTE_V4_SIGNED_LENGTH), qe.attestationKey.secretKey), QUOTE_V4_SIGNED_LENGTH + 4);
  if (padTo === undefined || padTo <= bytes.length) return bytes;
  return concatBytes(bytes, new Uint8Array(padTo - bytes.length));
}

/** Options of {@link buildSimulatedQuote}. */
export interface BuildQuoteOptions {
  /** QE authentication data (default: 32 bytes 0x00..0x1f). */
  qeAuthData?: Uint8Array;
  /** Append zeros up to this total size, as QGS pads to its reserved size. */
  padTo?: number;
}

/** Serialized Quote v4 for `report` (a validated 1024-byte TDREPORT); signs the QE report anew, see {@link quoteFromQe} to reuse it. */
export function buildSimulatedQuote(report: Uint8Array, pki: SimulatedPki, seed: Uint8Array, opts: BuildQuoteOptions = {}): Uint8Array {
  return quoteFromQe(simulatedQe(pki, seed, opts.qeAuthData), report, opts.padTo);
}
