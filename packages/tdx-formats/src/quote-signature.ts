/**
 * ECDSA quote signature data with certification data type 6 (docs/model.md §7;
 * DCAP `sgx_quote_4.h` sgx_quote4_sig_data / sgx_qe_report_certification_data_t):
 * signature r‖s 64, attestation key x‖y 64, u16 type = 6, u32 size,
 * QE report 384, QE report signature 64, u16 auth size n, n bytes,
 * u16 type = 5 (PCK certificate chain), u32 size, PEM bytes.
 * Sizes must agree exactly: `sig_data_len = 134 + outer size` and
 * `outer size = 456 + n + inner size`.
 */
import type { ByteReader, ByteWriter } from './bytes.js';

/** Certification data type of the QE report certification data, docs/model.md §7. */
export const CERT_DATA_TYPE_QE_REPORT = 6;
/** Certification data type of a PCK leaf → intermediate → root PEM chain, docs/model.md §7. */
export const CERT_DATA_TYPE_PCK_CERT_CHAIN = 5;
/** SGX report body size (the QE report), DCAP sgx_report_body_t. */
export const QE_REPORT_SIZE = 384;
/** REPORTDATA offset inside the QE report, docs/model.md §7. */
export const QE_REPORT_DATA_OFFSET = 320;

/** Parsed signature data of a v4/v5 quote. */
export interface QuoteSignatureData {
  /** ECDSA-P256 signature r‖s over the header and body. */
  signature: Uint8Array;
  /** Attestation public key x‖y (P-256). */
  attestationKey: Uint8Array;
  /** The QE's SGX report (384 bytes); REPORTDATA at 320..384 binds the attestation key. */
  qeReport: Uint8Array;
  /** Signature r‖s over `qeReport` by the PCK leaf key. */
  qeReportSignature: Uint8Array;
  /** QE authentication data (hashed into the binding). */
  qeAuthData: Uint8Array;
  /** The PCK certificate chain as stored (PEM text, possibly ending in a counted 0x00). */
  pckCertChain: Uint8Array;
}

/** Read `sigDataLen` bytes of signature data; errors name `structure` and absolute offsets. */
export function readSignatureData(r: ByteReader, sigDataLen: number): QuoteSignatureData {
  const start = r.offset;
  r.need(sigDataLen, 'signature data');
  const signature = r.take(64, 'quote signature');
  const attestationKey = r.take(64, 'attestation key');
  const typeAt = r.offset;
  const certType = r.u16('certification data type');
  if (certType !== CERT_DATA_TYPE_QE_REPORT) throw r.error('certification data type', typeAt, String(certType), String(CERT_DATA_TYPE_QE_REPORT));
  const sizeAt = r.offset;
  const certSize = r.u32('certification data size');
  if (134 + certSize !== sigDataLen) {
    throw r.error('certification data size', sizeAt, String(certSize), `${sigDataLen - 134} (sig_data_len ${sigDataLen} − 134)`);
  }
  const qeReport = r.take(QE_REPORT_SIZE, 'QE report');
  const qeReportSignature = r.take(64, 'QE report signature');
  const authSize = r.u16('QE auth data size');
  const qeAuthData = r.take(authSize, 'QE auth data');
  const innerAt = r.offset;
  const innerType = r.u16('PCK certification data type');
  if (innerType !== CERT_DATA_TYPE_PCK_CERT_CHAIN) throw r.error('PCK certification data type', innerAt, String(innerType), String(CERT_DATA_TYPE_PCK_CERT_CHAIN));
  const innerSizeAt = r.offset;
  const innerSize = r.u32('PCK certification data size');
  const left = start + sigDataLen - r.offset;
  if (innerSize !== left) throw r.error('PCK certification data size', innerSizeAt, String(innerSize), `${left} (rest of signature data)`);
  const pckCertChain = r.take(innerSize, 'PCK certificate chain');
  return { signature, attestationKey, qeReport, qeReportSignature, qeAuthData, pckCertChain };
}

/** Byte length of the signature data `sig` serializes to. */
export function signatureDataLength(sig: QuoteSignatureData): number {
  return 64 + 64 + 6 + QE_REPORT_SIZE + 64 + 2 + sig.qeAuthData.length + 6 + sig.pckCertChain.length;
}

/** Write signature data (without the preceding u32 sig_data_len). */
export function writeSignatureData(w: ByteWriter, sig: QuoteSignatureData): void {
  const outer = QE_REPORT_SIZE + 64 + 2 + sig.qeAuthData.length + 6 + sig.pckCertChain.length;
  w.bytes(sig.signature, 'quote signature', 64).bytes(sig.attestationKey, 'attestation key', 64);
  w.u16(CERT_DATA_TYPE_QE_REPORT, 'certification data type').u32(outer, 'certification data size');
  w.bytes(sig.qeReport, 'QE report', QE_REPORT_SIZE).bytes(sig.qeReportSignature, 'QE report signature', 64);
  w.u16(sig.qeAuthData.length, 'QE auth data size').bytes(sig.qeAuthData, 'QE auth data');
  w.u16(CERT_DATA_TYPE_PCK_CERT_CHAIN, 'PCK certification data type').u32(sig.pckCertChain.length, 'PCK certification data size');
  w.bytes(sig.pckCertChain, 'PCK certificate chain');
}
