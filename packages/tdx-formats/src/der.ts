/**
 * Minimal DER encoder (ITU-T X.690) — just what an X.509 v3 certificate with
 * an ECDSA P-256 key needs. Deterministic, no dependencies.
 */
import { concatBytes } from './hex.js';

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Tag-length-value. */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), length(body.length), body);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, ...items);
export const octetString = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), b);
export const utf8String = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
export const printableString = (s: string): Uint8Array => tlv(0x13, new TextEncoder().encode(s));
export const boolean = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0));
/** Context-specific constructed [n] EXPLICIT. */
export const explicit = (n: number, ...content: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...content);

/** INTEGER from a non-negative bigint or big-endian magnitude bytes (minimal, sign-safe). */
export function integer(value: bigint | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (typeof value === 'bigint') {
    const hex = value.toString(16);
    bytes = Uint8Array.from(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex'));
  } else {
    bytes = value;
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Uint8Array.of(0);
  if ((bytes[0] ?? 0) & 0x80) bytes = concatBytes(Uint8Array.of(0), bytes);
  return tlv(0x02, bytes);
}

/** OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = parts;
  const out = [40 * a + b];
  for (const p of rest) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime (years 1950–2049) as X.509 requires, `YYMMDDHHMMSSZ`. */
export function utcTime(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, new TextEncoder().encode(s));
}

/** ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) from raw r‖s. */
export function ecdsaRawToDer(rs: Uint8Array): Uint8Array {
  const half = rs.length / 2;
  return sequence(integer(rs.subarray(0, half)), integer(rs.subarray(half)));
}
