/**
 * Quote verification with node:crypto (docs/model.md §7, DCAP QVL order):
 * 1. quote signature: ECDSA-P256/SHA-256 over header+body by the attestation key;
 * 2. QE report signature by the PCK leaf certificate's key over the 384-byte QE report;
 * 3. binding: QE_REPORT.REPORTDATA[0:32] = SHA-256(att_key ‖ qe_auth_data), [32:64] = 0;
 * 4. the PCK chain (verify-chain.ts): exactly leaf, intermediate, root, strictly
 *    framed, each signed by the next, the root trusted (pinned fingerprint or a
 *    caller-supplied root), every validity period containing the check time.
 * Not checked (they need Intel PCS collateral): TCB level (TCB info), QE
 * identity, revocation (CRLs) — see {@link QUOTE_CHECKS_NOT_DONE}.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import { bytesEqual, isAllZero, toHex } from './hex.js';
import { pemToDer, splitPemChain } from './pem.js';
import { parseQuote, pckCertChainOffset, type Quote } from './quote-codec.js';
import { QE_REPORT_DATA_OFFSET } from './quote-signature.js';
import type { CertificateInfo } from './certificate-info.js';
import { verifyPckChain } from './verify-chain.js';

/**
 * SHA-256 of the DER of the Intel SGX Root CA ("CN=Intel SGX Root CA, O=Intel
 * Corporation, L=Santa Clara, ST=CA, C=US"), computed from the root
 * certificate carried in both real vectors of test/vectors/
 * (quote_v4_go-tdx-guest_tdx_prod_quote_SPR_E4.dat, quote_v5_go-tdx-guest_quote_v5_sample.dat).
 */
export const INTEL_SGX_ROOT_CA_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3';

/** What {@link verifyQuote} cannot check without Intel PCS collateral; a verdict must say so. */
export const QUOTE_CHECKS_NOT_DONE = ['TCB level (TCB info)', 'QE identity', 'revocation (CRLs)'] as const;

/** Options for {@link verifyQuote}. */
export interface VerifyQuoteOptions {
  /** Trust this root (PEM) instead of the pinned Intel SGX Root CA. */
  trustedRootPem?: string;
  /** Time the certificate validity periods must contain (default: now). */
  now?: Date;
  /** Check certificate validity periods (default true). */
  checkValidity?: boolean;
}

/** Each check reported separately; `valid` is their conjunction. */
export interface QuoteVerification {
  valid: boolean;
  quoteSignatureValid: boolean;
  qeReportSignatureValid: boolean;
  qeReportDataBindingValid: boolean;
  /** Framing, DER, algorithms, keys, CA flags and every link hold, and the last certificate is the trusted root (dates apart). */
  chainValid: boolean;
  /** Certificates read from the chain (reading stops at the first framing error, and after the third). */
  chainLength: number;
  /** Subject of the third certificate ('' when absent or empty). */
  rootSubject: string;
  /** Lower-case hex SHA-256 of that certificate's DER ('' when absent). */
  rootSha256: string;
  /** Whether that certificate is the trusted root (pinned or supplied). */
  rootTrusted: boolean;
  /** Subject of the PCK leaf ('' when absent or empty). */
  leafSubject: string;
  /** Every validity period contains `checkedAt`; null when dates were not checked. */
  datesValid: boolean | null;
  /** ISO 8601 time the dates were checked at; null when not checked. */
  checkedAt: string | null;
  /** What each certificate read says. */
  certificates: CertificateInfo[];
  /** One sentence per failed check. */
  failures: string[];
}

/** Attestation keys repeat across a platform's quotes. */
const attestationKeyCache = new BoundedCache<KeyObject>(64);

/** Public key from a raw P-256 x‖y (64 bytes); throws if not a curve point. */
function p256PublicKeyFromRaw(xy: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return attestationKeyCache.get(toHex(xy), () => createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(xy.subarray(0, 32)), y: b64(xy.subarray(32, 64)) }, format: 'jwk' }));
}

function ecdsaOk(data: Uint8Array, key: KeyObject, rs: Uint8Array): boolean {
  return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, rs);
}

/**
 * Verify raw quote bytes. Returns a result for every quote that parses and
 * throws only FormatError (when it does not); a `now` that is not a valid
 * Date is a caller error (RangeError).
 */
export function verifyQuote(bytes: Uint8Array, opts: VerifyQuoteOptions = {}): QuoteVerification {
  return verifyParsedQuote(parseQuote(bytes), bytes, opts);
}

/** Verify an already parsed quote; `bytes` must be the bytes it was parsed from. Never throws on hostile content. */
export function verifyParsedQuote(quote: Quote, bytes: Uint8Array, opts: VerifyQuoteOptions = {}): QuoteVerification {
  const now = opts.checkValidity === false ? null : (opts.now ?? new Date());
  if (now && Number.isNaN(now.getTime())) throw new RangeError('verifyQuote: options.now is an invalid Date');
  const failures: string[] = [];
  const sig = quote.signatureData;
  const check = (name: string, fn: () => boolean): boolean => {
    try {
      if (fn()) return true;
      failures.push(`${name} does not verify`);
    } catch (e) {
      failures.push(`${name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
    return false;
  };
  const quoteSignatureValid = check('quote signature', () => ecdsaOk(bytes.subarray(0, quote.signedLength), p256PublicKeyFromRaw(sig.attestationKey), sig.signature));
  const qeReportDataBindingValid = check('QE report data binding', () => {
    const want = createHash('sha256').update(sig.attestationKey).update(sig.qeAuthData).digest();
    const rd = sig.qeReport.subarray(QE_REPORT_DATA_OFFSET, QE_REPORT_DATA_OFFSET + 64);
    return bytesEqual(rd.subarray(0, 32), want) && isAllZero(rd.subarray(32, 64));
  });
  const trusted = opts.trustedRootPem !== undefined ? trustedFingerprint(opts.trustedRootPem) : INTEL_SGX_ROOT_CA_SHA256;
  const chain = verifyPckChain(sig.pckCertChain, trusted, now, pckCertChainOffset(quote));
  const leafKey = chain.leafKey;
  const qeReportSignatureValid = leafKey !== undefined && check('QE report signature', () => ecdsaOk(sig.qeReport, leafKey, sig.qeReportSignature));
  if (!leafKey) failures.push('QE report signature not checked: no readable PCK leaf certificate');
  failures.push(...chain.failures);
  const [leaf, , root] = chain.certificates;
  return {
    valid: quoteSignatureValid && qeReportSignatureValid && qeReportDataBindingValid && chain.chainValid && chain.datesValid !== false,
    quoteSignatureValid,
    qeReportSignatureValid,
    qeReportDataBindingValid,
    chainValid: chain.chainValid,
    chainLength: chain.certificates.length,
    rootSubject: root?.subject ?? '',
    rootSha256: root?.sha256 ?? '',
    rootTrusted: chain.rootTrusted,
    leafSubject: leaf?.subject ?? '',
    datesValid: chain.datesValid,
    checkedAt: now ? now.toISOString() : null,
    certificates: chain.certificates,
    failures,
  };
}

function trustedFingerprint(pem: string): string {
  const first = splitPemChain(pem)[0];
  return first ? toHex(createHash('sha256').update(pemToDer(first)).digest()) : '';
}
