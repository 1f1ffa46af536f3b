/**
 * Builds X.509 v3 certificates (RFC 5280) for the simulated PCK chain:
 * ECDSA P-256 subject keys, ecdsa-with-SHA256 signatures, basicConstraints,
 * keyUsage, subject/authority key identifiers. Output is DER; verified by
 * node's crypto.X509Certificate in the tests.
 */
import { createHash } from 'node:crypto';
import * as der from './der.js';
import { signP256 } from './sim-keys.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  country: '2.5.4.6',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
} as const;

/** Distinguished name parts used here; an empty part is left out (all empty: an empty Name, as a hostile chain may carry). */
export interface CertName {
  cn: string;
  o: string;
  c: string;
}

/** What a certificate says and who signs it. */
export interface CertSpec {
  serial: bigint;
  subject: CertName;
  issuer: CertName;
  notBefore: Date;
  notAfter: Date;
  /** 0x04‖x‖y of the subject key. */
  subjectPublicKey: Uint8Array;
  /** 0x04‖x‖y of the issuer key (for the authority key identifier). */
  issuerPublicKey: Uint8Array;
  /** Secret key of the issuer (the subject's own for a self-signed root). */
  issuerSecretKey: Uint8Array;
  isCa: boolean;
}

function name(n: CertName): Uint8Array {
  const rdn = (type: string, value: Uint8Array) => der.set(der.sequence(der.oid(type), value));
  const parts = [n.c && rdn(OID.country, der.printableString(n.c)), n.o && rdn(OID.organization, der.utf8String(n.o)), n.cn && rdn(OID.commonName, der.utf8String(n.cn))];
  return der.sequence(...parts.filter((p): p is Uint8Array => p instanceof Uint8Array));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (here SHA-256 truncated to 20 bytes). */
function keyId(pub: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(pub).digest().subarray(0, 20));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** DER of the signed certificate. */
export function buildCertificate(spec: CertSpec): Uint8Array {
  const alg = der.sequence(der.oid(OID.ecdsaWithSha256));
  const spki = der.sequence(der.sequence(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)), der.bitString(spec.subjectPublicKey));
  // keyUsage bits: digitalSignature (bit 0) for a leaf; keyCertSign + cRLSign (bits 5, 6) for a CA
  const keyUsage = spec.isCa ? der.tlv(0x03, Uint8Array.of(1, 0x06)) : der.tlv(0x03, Uint8Array.of(7, 0x80));
  const extensions = der.explicit(
    3,
    der.sequence(
      extension(OID.basicConstraints, true, der.sequence(...(spec.isCa ? [der.boolean(true)] : []))),
      extension(OID.keyUsage, true, keyUsage),
      extension(OID.subjectKeyId, false, der.octetString(keyId(spec.subjectPublicKey))),
      extension(OID.authorityKeyId, false, der.sequence(der.tlv(0x80, keyId(spec.issuerPublicKey)))),
    ),
  );
  const tbs = der.sequence(
    der.explicit(0, der.integer(2n)),
    der.integer(spec.serial),
    alg,
    name(spec.issuer),
    der.sequence(der.utcTime(spec.notBefore), der.utcTime(spec.notAfter)),
    name(spec.subject),
    spki,
    extensions,
  );
  const signature = der.ecdsaRawToDer(signP256(tbs, spec.issuerSecretKey));
  return der.sequence(tbs, alg, der.bitString(signature));
}
