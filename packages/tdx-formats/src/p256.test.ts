import { p256 } from '@noble/curves/nist.js';
import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from './hex.js';
import { isValidP256Scalar, P256_ORDER, p256PublicKey, signP256Rfc6979 } from './p256.js';

/** RFC 6979 A.2.5: ECDSA, 256 bits (prime field), SHA-256. */
const A25 = {
  x: 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
  ux: '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6',
  uy: '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  sample: { r: 'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716', s: 'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8' },
  test: { r: 'f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367', s: '019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083' },
};

const utf8 = (s: string) => new TextEncoder().encode(s);
const scalar = fc.bigInt({ min: 1n, max: P256_ORDER - 1n }).map((d) => fromHex(d.toString(16).padStart(64, '0')));

function verifiesWithNode(message: Uint8Array, sig: Uint8Array, pubUncompressed: Uint8Array): boolean {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64(pubUncompressed.subarray(1, 33)), y: b64(pubUncompressed.subarray(33)) }, format: 'jwk' });
  return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

describe('signP256Rfc6979', () => {
  it('gives the RFC 6979 A.2.5 signatures for "sample" and "test"', () => {
    const x = fromHex(A25.x);
    expect(toHex(p256PublicKey(x))).toBe(`04${A25.ux}${A25.uy}`);
    expect(toHex(signP256Rfc6979(utf8('sample'), x))).toBe(A25.sample.r + A25.sample.s);
    expect(toHex(signP256Rfc6979(utf8('test'), x))).toBe(A25.test.r + A25.test.s);
  });

  it('matches @noble/curves byte for byte and verifies with node:crypto', () => {
    fc.assert(
      fc.property(scalar, fc.uint8Array({ maxLength: 700 }), (sk, message) => {
        const sig = signP256Rfc6979(message, sk);
        expect(sig).toEqual(p256.sign(message, sk, { prehash: true, lowS: false }));
        expect(verifiesWithNode(message, sig, p256PublicKey(sk))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('derives the same public key as @noble/curves, also for the extreme scalars 1 and n−1', () => {
    const one = fromHex(`${'00'.repeat(31)}01`);
    const last = fromHex((P256_ORDER - 1n).toString(16));
    for (const sk of [one, last, fromHex(A25.x)]) expect(p256PublicKey(sk)).toEqual(p256.getPublicKey(sk, false));
  });
});

describe('isValidP256Scalar', () => {
  it('takes exactly the 32-byte scalars in [1, n)', () => {
    expect(isValidP256Scalar(fromHex(A25.x))).toBe(true);
    expect(isValidP256Scalar(new Uint8Array(32))).toBe(false);
    expect(isValidP256Scalar(fromHex(P256_ORDER.toString(16)))).toBe(false);
    expect(isValidP256Scalar(fromHex((P256_ORDER - 1n).toString(16)))).toBe(true);
    expect(isValidP256Scalar(new Uint8Array(31).fill(1))).toBe(false);
  });
});
