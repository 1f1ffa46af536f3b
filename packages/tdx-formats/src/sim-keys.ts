/**
 * Deterministic P-256 keys and signatures for the simulated quoting enclave.
 * Keys derive from a seed with HMAC-SHA-256; signatures use RFC 6979
 * deterministic ECDSA (./p256.ts, curve arithmetic by node:crypto), so one
 * seed gives byte-identical certificates and quotes on every run.
 */
import { createHash, createHmac } from 'node:crypto';
import { FormatError } from './errors.js';
import { isValidP256Scalar, p256PublicKey, signP256Rfc6979 } from './p256.js';

/** A P-256 key pair: 32-byte secret and 64-byte raw public key x‖y. */
export interface P256KeyPair {
  secretKey: Uint8Array;
  /** x‖y, the quote's attestation-key layout (docs/model.md §7). */
  publicKey: Uint8Array;
  /** 0x04‖x‖y, the SubjectPublicKeyInfo layout. */
  publicKeyUncompressed: Uint8Array;
}

/** Derive the key pair for `label` from `seed`. */
export function deriveP256Key(seed: Uint8Array, label: string): P256KeyPair {
  for (let counter = 0; counter < 64; counter++) {
    const sk = new Uint8Array(createHmac('sha256', seed).update(`${label}/${counter}`).digest());
    if (!isValidP256Scalar(sk)) continue; // probability ~2^-32 per try
    const pub = p256PublicKey(sk);
    return { secretKey: sk, publicKey: pub.slice(1), publicKeyUncompressed: pub };
  }
  // unreachable in practice; kept so the loop is bounded
  throw new FormatError({ structure: 'P-256 key', field: label, offset: 0, actual: 'no valid scalar in 64 tries', expected: 'a scalar in [1, n)' });
}

/**
 * Signatures {@link signP256} remembers, oldest dropped first. A deterministic
 * signature is a pure function of key and message, and an experiment's runs
 * quote the same reports (same REPORTDATA per request index) on every strategy.
 */
const SIGNATURE_MEMO_ENTRIES = 4096;
const signatureMemo = new Map<string, Uint8Array>();

/** ECDSA-P256/SHA-256 of `message`, raw r‖s (64 bytes), deterministic (RFC 6979). */
export function signP256(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (!isValidP256Scalar(secretKey)) {
    throw new FormatError({
      structure: 'P-256 key',
      field: 'secret key',
      offset: 0,
      actual: secretKey.length === 32 ? 'a scalar outside [1, n)' : `${secretKey.length} bytes`,
      expected: 'a 32-byte scalar in [1, n)',
    });
  }
  // the key is 32 bytes, so key ‖ message names one (key, message) pair
  const memoKey = createHash('sha256').update(secretKey).update(message).digest('base64');
  let sig = signatureMemo.get(memoKey);
  if (sig === undefined) {
    sig = signP256Rfc6979(message, secretKey);
    if (signatureMemo.size >= SIGNATURE_MEMO_ENTRIES) signatureMemo.delete(signatureMemo.keys().next().value!);
    signatureMemo.set(memoKey, sig);
  }
  return sig.slice();
}
