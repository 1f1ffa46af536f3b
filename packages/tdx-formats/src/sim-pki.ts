/**
 * The simulated quoting enclave's key material, all derived from one seed:
 * attestation key, PCK leaf → intermediate → root chain. The root says in its
 * subject that it is SIMULATED and not Intel's (docs/architecture.md, "quote service").
 */
import { createHash } from 'node:crypto';
import { toHex } from './hex.js';
import { derToPem } from './pem.js';
import { deriveP256Key, type P256KeyPair } from './sim-keys.js';
import { buildCertificate, type CertName } from './x509-build.js';

/** Subjects of the simulated chain. */
export const SIMULATED_ROOT_SUBJECT: CertName = { cn: 'tdx-shbuf SIMULATED Root CA', o: 'tdx-shbuf simulation - not Intel', c: 'ZZ' };
export const SIMULATED_INTERMEDIATE_SUBJECT: CertName = { cn: 'tdx-shbuf SIMULATED PCK Platform CA', o: 'tdx-shbuf simulation - not Intel', c: 'ZZ' };
export const SIMULATED_LEAF_SUBJECT: CertName = { cn: 'tdx-shbuf SIMULATED PCK Certificate', o: 'tdx-shbuf simulation - not Intel', c: 'ZZ' };

/** Fixed validity so a seed gives identical certificates (UTCTime, before 2050). */
const NOT_BEFORE = new Date(Date.UTC(2024, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));

/** Everything the simulated QE signs with. */
export interface SimulatedPki {
  attestationKey: P256KeyPair;
  pckLeafKey: P256KeyPair;
  intermediateKey: P256KeyPair;
  rootKey: P256KeyPair;
  leafPem: string;
  intermediatePem: string;
  rootPem: string;
  /** leaf, intermediate, root concatenated (the quote's certification data type 5). */
  chainPem: string;
  /** Lower-case hex SHA-256 of the root certificate DER. */
  rootSha256: string;
}

/** Derive the PKI for `seed` (same seed → byte-identical output). */
export function createSimulatedPki(seed: Uint8Array): SimulatedPki {
  const rootKey = deriveP256Key(seed, 'root-ca');
  const intermediateKey = deriveP256Key(seed, 'pck-platform-ca');
  const pckLeafKey = deriveP256Key(seed, 'pck-leaf');
  const attestationKey = deriveP256Key(seed, 'attestation-key');
  const common = { notBefore: NOT_BEFORE, notAfter: NOT_AFTER };
  const root = buildCertificate({
    ...common,
    serial: 1n,
    subject: SIMULATED_ROOT_SUBJECT,
    issuer: SIMULATED_ROOT_SUBJECT,
    subjectPublicKey: rootKey.publicKeyUncompressed,
    issuerPublicKey: rootKey.publicKeyUncompressed,
    issuerSecretKey: rootKey.secretKey,
    isCa: true,
  });
  const intermediate = buildCertificate({
    ...common,
    serial: 2n,
    subject: SIMULATED_INTERMEDIATE_SUBJECT,
    issuer: SIMULATED_ROOT_SUBJECT,
    subjectPublicKey: intermediateKey.publicKeyUncompressed,
    issuerPublicKey: rootKey.publicKeyUncompressed,
    issuerSecretKey: rootKey.secretKey,
    isCa: true,
  });
  const leaf = buildCertificate({
    ...common,
    serial: 3n,
    subject: SIMULATED_LEAF_SUBJECT,
    issuer: SIMULATED_INTERMEDIATE_SUBJECT,
    subjectPublicKey: pckLeafKey.publicKeyUncompressed,
    issuerPublicKey: intermediateKey.publicKeyUncompressed,
    issuerSecretKey: intermediateKey.secretKey,
    isCa: false,
  });
  const [leafPem, intermediatePem, rootPem] = [leaf, intermediate, root].map(derToPem) as [string, string, string];
  return {
    attestationKey,
    pckLeafKey,
    intermediateKey,
    rootKey,
    leafPem,
    intermediatePem,
    rootPem,
    chainPem: leafPem + intermediatePem + rootPem,
    rootSha256: toHex(createHash('sha256').update(root).digest()),
  };
}
