/**
 * Deterministic P-256 keys and signatures for the simulated quoting enclave.
 * Keys derive from a seed with HMAC-SHA-256; signatures use RFC 6979
 * deterministic ECDSA (@noble/curves), so one seed gives byte-identical
 * certificates and quotes on every run.
 */
import { p256 } from '@noble/curves/nist.js';
import { createHmac } from 'node:crypto';
import { FormatError } from './errors.js';

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
    if (!p256.utils.isValidSecretKey(sk)) continue; // probability ~2^-32 per try
    const pub = p256.getPublicKey(sk, false);
    return { secretKey: sk, publicKey: pub.slice(1), publicKeyUncompressed: pub };
  }
  // unreachable in practice; kept so the loop is bounded
  throw new FormatError({ structure: 'P-256 key', field: label, offset: 0, actual: 'no valid scalar in 64 tries', expected: 'a scalar in [1, n)' });
}

/** ECDSA-P256/SHA-256 of `message`, raw r‖s (64 bytes), deterministic (RFC 6979). */
export function signP256(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return p256.sign(message, secretKey, { prehash: true, lowS: false });
}
