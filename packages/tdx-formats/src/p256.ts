/**
 * ECDSA P-256/SHA-256 with RFC 6979 deterministic nonces, on node:crypto.
 *
 * node:crypto's `sign` draws a random nonce, so one seed would no longer give
 * byte-identical quotes; pure-JS curve arithmetic gives the same bytes but is
 * ~10× slower. Here OpenSSL does the expensive part — the scalar
 * multiplication k·G, through ECDH key derivation — and the rest is RFC 6979
 * §3.2 (HMAC-DRBG over HMAC-SHA-256) plus three operations mod n. The output
 * is the RFC 6979 signature, the one any conforming implementation gives.
 *
 * Not hardened against timing side channels (BigInt arithmetic is not
 * constant-time): the keys it signs with are the simulated QE's, derived from
 * a seed that sits in the configuration, so they are not secrets.
 */
import { createECDH, createHash, createHmac } from 'node:crypto';

/** Order n of the P-256 base point (SEC 2 §2.4.2). */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const SCALAR_BYTES = 32;

const toBigInt = (bytes: Uint8Array): bigint => (bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`));
/** int2octets (RFC 6979 §2.3.3): big-endian, 32 bytes. */
const int2octets = (x: bigint): Buffer => Buffer.from(x.toString(16).padStart(SCALAR_BYTES * 2, '0'), 'hex');

/** True when `secretKey` is a 32-byte scalar in [1, n). */
export function isValidP256Scalar(secretKey: Uint8Array): boolean {
  if (secretKey.length !== SCALAR_BYTES) return false;
  const d = toBigInt(secretKey);
  return d > 0n && d < P256_ORDER;
}

/** d·G as 0x04‖x‖y (65 bytes); `d` must satisfy {@link isValidP256Scalar}. */
export function p256PublicKey(secretKey: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(secretKey);
  return new Uint8Array(ecdh.getPublicKey());
}

/** a⁻¹ mod n by the extended Euclidean algorithm (a in [1, n), n prime). */
function invModN(a: bigint): bigint {
  let [r0, r1, s0, s1] = [a, P256_ORDER, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return s0 < 0n ? s0 + P256_ORDER : s0;
}

/**
 * ECDSA signature of SHA-256(`message`) under `secretKey` (a valid scalar),
 * raw r‖s (64 bytes), s not normalized to the low half. Nonce per RFC 6979 §3.2.
 */
export function signP256Rfc6979(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const d = toBigInt(secretKey);
  // h1 = H(m); bits2int is the identity for SHA-256 on a 256-bit order, bits2octets reduces mod n
  const z = toBigInt(createHash('sha256').update(message).digest()) % P256_ORDER;
  const x = int2octets(d);
  const h = int2octets(z);
  const hmac = (key: Buffer, ...parts: Uint8Array[]): Buffer => {
    const mac = createHmac('sha256', key);
    for (const p of parts) mac.update(p);
    return mac.digest();
  };
  // §3.2 b–g: V = 0x01…, K = 0x00…, then two keyed updates with x and h1
  let v: Buffer = Buffer.alloc(32, 1);
  let k: Buffer = Buffer.alloc(32, 0);
  k = hmac(k, v, Uint8Array.of(0), x, h);
  v = hmac(k, v);
  k = hmac(k, v, Uint8Array.of(1), x, h);
  v = hmac(k, v);
  // §3.2 h: qlen = hlen = 256, so one HMAC block per candidate
  for (;;) {
    v = hmac(k, v);
    const kInt = toBigInt(v);
    if (kInt > 0n && kInt < P256_ORDER) {
      const point = p256PublicKey(v); // k·G, computed by OpenSSL
      const r = toBigInt(point.subarray(1, 33)) % P256_ORDER;
      const s = r === 0n ? 0n : (invModN(kInt) * ((z + r * d) % P256_ORDER)) % P256_ORDER;
      if (s !== 0n) {
        const sig = new Uint8Array(64);
        sig.set(int2octets(r), 0);
        sig.set(int2octets(s), 32);
        return sig;
      }
    }
    k = hmac(k, v, Uint8Array.of(0));
    v = hmac(k, v);
  }
}
