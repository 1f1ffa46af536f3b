/** The test bytes buffer-cycle and quote requests carry, and their comparison. */

/** Whether this machine stores a 32-bit word little-endian (the byte order pattern() writes its words in). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Deterministic bytes for request `i` of client `c` under `seed`, the same on
 * every machine. Written a 32-bit word at a time: word k is the murmur3
 * finalizer of (stream key, k), so no word waits for the one before (a
 * byte-at-a-time xorshift chain made these test bytes most of a buffer-cycle
 * run's time), and every word of every request differs from its neighbours.
 */
export function pattern(seed: number, c: number, i: number, n: number): Uint8Array {
  return fillPattern(new Uint8Array(n), seed, c, i);
}

/** pattern(seed, c, i, out.length) written into `out` (returned). */
export function fillPattern(out: Uint8Array, seed: number, c: number, i: number): Uint8Array {
  const key = (seed * 2654435761 + c * 40503 + i * 97 + 1) >>> 0;
  const n = out.length;
  let k = 0;
  if (out.byteOffset % 4 === 0) {
    const words = new Int32Array(out.buffer, out.byteOffset, n >>> 2);
    for (let w = 0; w < words.length; w++) words[w] = LITTLE_ENDIAN ? mix32(key, w) : swap32(mix32(key, w));
    k = words.length * 4;
  }
  for (; k < n; k++) out[k] = mix32(key, k >>> 2) >>> (8 * (k & 3));
  return out;
}

/** fmix32 of murmur3 over key ⊕ (k + 1)·φ: a well-mixed word for position k of stream `key` (as an int32: stored without a conversion). */
function mix32(key: number, k: number): number {
  let h = key ^ Math.imul(k + 1, 0x9e3779b9);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const swap32 = (x: number) => ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** Byte equality by memcmp (Buffer#equals): a byte-at-a-time loop over megabytes was the other half of that time. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
