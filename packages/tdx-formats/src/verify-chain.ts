/**
 * PCK chain verification (docs/model.md §7), following go-tdx-guest
 * `verifyPCKCertificationChain`/`validateCertificate`: exactly leaf,
 * intermediate, root; each certificate strict DER with an ECDSA-with-SHA256
 * signature and a P-256 key; issuer = parent's subject and signed by the
 * parent's key, the root self-signed; the intermediate and root are CAs; the
 * root is the trusted one; every validity period contains the check time.
 *
 * The quote's sender controls every byte here, so nothing is read from a
 * certificate outside a guard: every path ends in a failure sentence.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache.js';
import { certificateParts } from './der-read.js';
import { bytesEqual, toHex } from './hex.js';
import { PCK_CHAIN_ROLES, readPckCertChain, type PckChainRole } from './pck-chain.js';
import type { CertificateInfo } from './certificate-info.js';

/** AlgorithmIdentifier { ecdsa-with-SHA256 } (RFC 5758 §3.2: parameters absent). */
const ECDSA_WITH_SHA256 = Uint8Array.from([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);

/** Outcome of {@link verifyPckChain}. */
export interface ChainVerification {
  /** Framing, DER, algorithms, keys, CA flags, names and every signature hold, and the root is trusted. */
  chainValid: boolean;
  rootTrusted: boolean;
  /** null when dates were not checked. */
  datesValid: boolean | null;
  certificates: CertificateInfo[];
  /** The leaf's public key when the leaf parsed (for the QE report signature). */
  leafKey: KeyObject | undefined;
  failures: string[];
}

/**
 * Parsed certificates and link results by DER hash: a verifier sees the same
 * intermediate and root in every quote of a platform, and both are pure
 * functions of the bytes.
 */
const x509Cache = new BoundedCache<X509Certificate>(256);
const linkCache = new BoundedCache<boolean>(256);

interface Parsed {
  info: CertificateInfo;
  x509: X509Certificate | undefined;
}

/** A getter on a hostile certificate: its value, or `fallback` and a failure. */
function guard<T>(failures: string[], what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (e) {
    failures.push(`${what}: ${firstLine(e)}`);
    return fallback;
  }
}

function parseOne(der: Uint8Array, role: PckChainRole, failures: string[]): Parsed {
  const info: CertificateInfo = { role, subject: '', issuer: '', notBefore: null, notAfter: null, sha256: toHex(createHash('sha256').update(der).digest()) };
  const parts = guard(failures, `${role} certificate`, () => certificateParts(der, `${role} certificate (DER)`), undefined);
  if (!parts) return { info, x509: undefined };
  if (!bytesEqual(parts.signatureAlgorithm, ECDSA_WITH_SHA256) || !bytesEqual(parts.tbsSignatureAlgorithm, ECDSA_WITH_SHA256)) {
    failures.push(`${role} certificate is not signed with ecdsa-with-SHA256`);
  }
  const x509 = guard(failures, `${role} certificate does not parse`, () => x509Cache.get(info.sha256, () => new X509Certificate(der)), undefined);
  if (!x509) return { info, x509 };
  // node returns undefined for an empty Name: the sender chooses, so never assume a string
  info.subject = guard(failures, `${role} certificate subject`, () => oneLine(x509.subject), '');
  info.issuer = guard(failures, `${role} certificate issuer`, () => oneLine(x509.issuer), '');
  // RFC 5280 §4.1.2.4 and §4.1.2.6: a CA's subject and every issuer are non-empty
  if (info.subject === '') failures.push(`${role} certificate has an empty subject`);
  if (info.issuer === '') failures.push(`${role} certificate has an empty issuer`);
  info.notBefore = guard(failures, `${role} certificate notBefore`, () => isoOrNull(x509.validFrom), null);
  info.notAfter = guard(failures, `${role} certificate notAfter`, () => isoOrNull(x509.validTo), null);
  const p256 = guard(failures, `${role} certificate key`, () => x509.publicKey.asymmetricKeyType === 'ec' && x509.publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1', false);
  if (!p256) failures.push(`${role} certificate key is not ECDSA P-256`);
  return { info, x509 };
}

/**
 * Verify the type-5 chain bytes. `trustedSha256` is the root's pinned DER
 * hash; `now` null skips the validity periods; `base` is the chain's offset in
 * the quote (for framing error offsets). Never throws.
 */
export function verifyPckChain(chain: Uint8Array, trustedSha256: string, now: Date | null, base = 0): ChainVerification {
  const failures: string[] = [];
  const read = readPckCertChain(chain, base);
  if (read.error) failures.push(read.error.message);
  const parsed = read.certificates.map((der, i) => parseOne(der, PCK_CHAIN_ROLES[i]!, failures));
  let ok = read.error === null && failures.length === 0;
  const root = parsed[2];
  const rootTrusted = root !== undefined && root.info.sha256 === trustedSha256;
  if (root && !rootTrusted) failures.push(`chain root ${root.info.subject || '(empty subject)'} (sha256 ${root.info.sha256}) is not the trusted root`);
  for (let i = 0; i < parsed.length; i++) {
    const { x509, info } = parsed[i]!;
    const parent = parsed[i + 1]?.x509 ?? (i === 2 ? x509 : undefined);
    if (!x509 || !parent) continue;
    const parentSha = parsed[i + 1]?.info.sha256 ?? info.sha256;
    const linked = guard(failures, `${info.role} certificate signature`, () => linkCache.get(`${info.sha256}/${parentSha}`, () => x509.checkIssued(parent) && x509.verify(parent.publicKey)), false);
    if (!linked) failures.push(`${info.role} certificate is not issued and signed by the ${i === 2 ? 'root itself' : PCK_CHAIN_ROLES[i + 1]}`);
    if (i > 0 && !guard(failures, `${info.role} certificate basicConstraints`, () => x509.ca, false)) failures.push(`${info.role} certificate is not a CA`);
  }
  ok &&= failures.length === 0 && parsed.length === 3 && rootTrusted;
  let datesValid: boolean | null = null;
  if (now) {
    datesValid = true;
    for (const { info, x509 } of parsed) {
      if (!x509) {
        datesValid = false; // a certificate that does not parse already failed the chain
        continue;
      }
      const from = info.notBefore ? Date.parse(info.notBefore) : NaN;
      const to = info.notAfter ? Date.parse(info.notAfter) : NaN;
      if (Number.isNaN(from) || Number.isNaN(to)) {
        datesValid = false;
        failures.push(`${info.role} certificate validity period is unreadable`);
      } else if (now.getTime() < from || now.getTime() > to) {
        datesValid = false;
        failures.push(`${info.role} certificate is valid ${info.notBefore} to ${info.notAfter}, not at ${now.toISOString()}`);
      }
    }
    if (parsed.length < 3) datesValid = false;
  }
  const leafKey = parsed[0]?.x509 ? guard(failures, 'PCK leaf certificate key', () => parsed[0]!.x509!.publicKey, undefined) : undefined;
  return { chainValid: ok, rootTrusted, datesValid, certificates: parsed.map((p) => p.info), leafKey, failures };
}

/** node prints a Name one attribute per line; undefined when empty. */
function oneLine(name: string | undefined): string {
  return typeof name === 'string' ? name.split('\n').join(', ') : '';
}

/** OpenSSL's `Jan  1 00:00:00 2024 GMT` as ISO 8601, or null. */
function isoOrNull(text: string | undefined): string | null {
  const t = typeof text === 'string' ? Date.parse(text) : NaN;
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
