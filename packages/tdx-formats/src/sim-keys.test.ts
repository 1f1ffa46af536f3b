import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.js';
import { fromHex } from './hex.js';
import { P256_ORDER } from './p256.js';
import { deriveP256Key, signP256 } from './sim-keys.js';

const seed = new TextEncoder().encode('sim-keys test');
const message = new TextEncoder().encode('the QE report');

describe('deriveP256Key', () => {
  it('derives one valid key pair per seed and label, in both public key layouts', () => {
    const k = deriveP256Key(seed, 'attestation-key');
    expect(deriveP256Key(seed, 'attestation-key')).toEqual(k);
    expect(deriveP256Key(seed, 'pck-leaf').secretKey).not.toEqual(k.secretKey);
    expect(k.publicKeyUncompressed).toEqual(p256.getPublicKey(k.secretKey, false));
    expect(k.publicKey).toEqual(k.publicKeyUncompressed.subarray(1));
  });
});

describe('signP256', () => {
  const { secretKey, publicKeyUncompressed } = deriveP256Key(seed, 'pck-leaf');

  it('gives the same verifiable signature every time, each call its own copy', () => {
    const first = signP256(message, secretKey);
    first.fill(0);
    const second = signP256(message, secretKey);
    expect(second).toEqual(signP256(message, secretKey));
    expect(second).not.toEqual(new Uint8Array(64));
    expect(p256.verify(second, message, publicKeyUncompressed, { prehash: true, lowS: false })).toBe(true);
  });

  it('remembers a signature per key and message, never across them', () => {
    const other = deriveP256Key(seed, 'attestation-key').secretKey;
    const a = signP256(message, secretKey);
    expect(signP256(message, other)).not.toEqual(a);
    expect(signP256(message.subarray(1), secretKey)).not.toEqual(a);
    expect(p256.verify(signP256(message, other), message, p256.getPublicKey(other, false), { prehash: true, lowS: false })).toBe(true);
  });

  it('refuses a secret key that is not a scalar in [1, n) with a FormatError', () => {
    expect(() => signP256(message, new Uint8Array(32))).toThrow(FormatError);
    expect(() => signP256(message, fromHex(P256_ORDER.toString(16)))).toThrow('P-256 key: secret key at offset 0 is a scalar outside [1, n), expected a 32-byte scalar in [1, n)');
    expect(() => signP256(message, new Uint8Array(31).fill(1))).toThrow('is 31 bytes');
  });
});
