/**
 * Quote verification with node:crypto (docs/model.md §7, DCAP QVL order):
 * 1. quote signature: ECDSA-P256/SHA-256 over header+body by the attestation key;
 * 2. QE report signature by the PCK leaf certificate's key over the 384-byte QE report;
 * 3. binding: QE_REPORT.REPORTDATA[0:32] = SHA-256(att_key ‖ qe_auth_data), [32:64] = 0;
 * 4. PEM chain: each certificate signed by the next, the last self-signed and
 *    trusted (pinned fingerprint or a caller-supplied root).
 * Certificate validity periods and CRLs are not checked (a model, not a QVL).
 */
import { createHash, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { bytesEqual, isAllZero, toHex } from './hex.js';
import { pemToDer, splitPemChain } from './pem.js';
import { parseQuote, type Quote } from './quote.js';
import { QE_REPORT_DATA_OFFSET } from './quote-signature.js';

/**
 * SHA-256 of the DER of the Intel SGX Root CA ("CN=Intel SGX Root CA, O=Intel
 * Corporation, L=Santa Clara, ST=CA, C=US"), computed from the root
 * certificate carried in both real vectors of test/vectors/
 * (quote_v4_go-tdx-guest_tdx_prod_quote_SPR_E4.dat, quote_v5_go-tdx-guest_quote_v5_sample.dat).
 */
export const INTEL_SGX_ROOT_CA_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';

/** Options for {@link verifyQuote}. */
export interface VerifyQuoteOptions {
  /** Trust this root (PEM) instead of the pinned Intel SGX Root CA. */
  trustedRootPem?: string;
}

/** Each check reported separately; `valid` is their conjunction. */
export interface QuoteVerification {
  valid: boolean;
  quoteSignatureValid: boolean;
  qeReportSignatureValid: boolean;
  qeReportDataBindingValid: boolean;
  /** Every link verifies and the last certificate is the trusted root. */
  chainValid: boolean;
  chainLength: number;
  /** Subject of the last certificate in the chain ('' when none parses). */
  rootSubject: string;
  /** Lower-case hex SHA-256 of that certificate's DER ('' when none parses). */
  rootSha256: string;
  /** Whether that certificate is the trusted root (pinned or supplied). */
  rootTrusted: boolean;
  /** Subject of the PCK leaf. */
  leafSubject: string;
  /** One sentence per failed check. */
  failures: string[];
}

/** Public key from a raw P-256 x‖y (64 bytes); throws if not a curve point. */
function p256PublicKeyFromRaw(xy: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(xy.subarray(0, 32)), y: b64(xy.subarray(32, 64)) }, format: 'jwk' });
}

function ecdsaOk(data: Uint8Array, key: KeyObject, rs: Uint8Array): boolean {
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, rs);
}

/** Verify raw quote bytes. Throws only FormatError (when the bytes do not parse). */
export function verifyQuote(bytes: Uint8Array, opts: VerifyQuoteOptions = {}): QuoteVerification {
  return verifyParsedQuote(parseQuote(bytes), bytes.subarray(0, bytes.length), opts);
}

/** Verify an already parsed quote; `bytes` must be the bytes it was parsed from. */
export function verifyParsedQuote(quote: Quote, bytes: Uint8Array, opts: VerifyQuoteOptions = {}): QuoteVerification {
  const failures: string[] = [];
  const sig = quote.signatureData;
  const check = (name: string, fn: () => boolean): boolean => {
    try {
      if (fn()) return true;
      failures.push(`${name} does not verify`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return false;
  };
  const quoteSignatureValid = check('quote signature', () => ecdsaOk(bytes.subarray(0, quote.signedLength), p256PublicKeyFromRaw(sig.attestationKey), sig.signature));
  const qeReportDataBindingValid = check('QE report data binding', () => {
    const want = createHash('sha256').update(sig.attestationKey).update(sig.qeAuthData).digest();
    const rd = sig.qeReport.subarray(QE_REPORT_DATA_OFFSET, QE_REPORT_DATA_OFFSET + 64);
    return bytesEqual(rd.subarray(0, 32), want) && isAllZero(rd.subarray(32, 64));
  });
  const certs: X509Certificate[] = [];
  let certsOk = check('PCK certificate chain parse', () => {
    const pems = splitPemChain(sig.pckCertChain);
    for (const pem of pems) certs.push(new X509Certificate(pem));
    return pems.length > 0;
  });
  const leaf = certs[0];
  const qeReportSignatureValid = check('QE report signature', () => leaf !== undefined && ecdsaOk(sig.qeReport, leaf.publicKey, sig.qeReportSignature));
  const root = certs.at(-1);
  const rootSha256 = root ? toHex(createHash('sha256').update(root.raw).digest()) : '';
  const trusted = opts.trustedRootPem ? trustedFingerprint(opts.trustedRootPem) : INTEL_SGX_ROOT_CA_SHA256;
  const rootTrusted = root !== undefined && rootSha256 === trusted;
  if (root && !rootTrusted) failures.push(`chain root ${oneLine(root.subject)} (sha256 ${rootSha256}) is not the trusted root`);
  certsOk &&= check('PCK certificate chain signatures', () => {
    for (let i = 0; i < certs.length; i++) {
      const child = certs[i];
      const parent = certs[i + 1] ?? child;
      if (!child || !parent || !child.checkIssued(parent) || !child.verify(parent.publicKey)) return false;
    }
    return true;
  });
  const chainValid = certsOk && rootTrusted;
  return {
    valid: quoteSignatureValid && qeReportSignatureValid && qeReportDataBindingValid && chainValid,
    quoteSignatureValid,
    qeReportSignatureValid,
    qeReportDataBindingValid,
    chainValid,
    chainLength: certs.length,
    rootSubject: root ? oneLine(root.subject) : '',
    rootSha256,
    rootTrusted,
    leafSubject: leaf ? oneLine(leaf.subject) : '',
    failures,
  };
}

function trustedFingerprint(pem: string): string {
  const first = splitPemChain(pem)[0];
  return first ? toHex(createHash('sha256').update(pemToDer(first)).digest()) : '';
}

function oneLine(subject: string): string {
  return subject.split('\n').join(', ');
}
