import { expect } from 'vitest';
import type { Machine, SharedBuffer } from '@tdx-shbuf/core';
import { okOf } from './rig.js';

/** Buffers up to this size are written and checked over every byte; larger ones over 64 windows spread over their whole length. */
export const FULL_CHECK_BYTES = 4 * 2 ** 20;
const WINDOW = 4096;

/** Deterministic random bytes (mulberry32), so a failure reproduces. */
export function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i += 4) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const v = (t ^ (t >>> 14)) >>> 0;
    for (let j = 0; j < 4 && i + j < length; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
  }
  return out;
}

/** [offset, length] pieces that cover a buffer: all of it, or windows spread from the first to the last byte. */
export function spans(bytes: number): [number, number][] {
  if (bytes <= FULL_CHECK_BYTES) return [[0, bytes]];
  const n = 64;
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const off = i === n - 1 ? bytes - WINDOW : Math.floor((i * (bytes - WINDOW)) / (n - 1) / WINDOW) * WINDOW;
    if (!out.length || out[out.length - 1]![0] + WINDOW <= off) out.push([off, WINDOW]);
  }
  return out;
}

/** Sum of the buffer's shared GPA ranges; buffer offsets map onto their concatenation, in order. */
export function sharedBytes(b: SharedBuffer): number {
  return b.sharedGpas.reduce((t, g) => t + g.bytes, 0);
}

/** The pieces of [offset, offset+length) of the buffer as (gpa, bytes, offset-in-data) on its shared GPAs. */
function gpaPieces(b: SharedBuffer, offset: number, length: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let base = 0;
  for (const g of b.sharedGpas) {
    const s = Math.max(offset, base);
    const e = Math.min(offset + length, base + g.bytes);
    if (s < e) out.push([g.gpa + (s - base), e - s, s - offset]);
    base += g.bytes;
  }
  return out;
}

/** What the host sees: m.host.readShared over the buffer's shared GPAs (undefined bytes = not shared = failure). */
export function hostRead(m: Machine, b: SharedBuffer, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const [gpa, n, at] of gpaPieces(b, offset, length)) {
    const got = m.host.readShared(gpa, n);
    expect(got, `host read of GPA 0x${gpa.toString(16)}+${n}: the page is not shared`).toBeDefined();
    out.set(got!, at);
  }
  return out;
}

/** The host writing through the shared EPT (m.host.writeShared), never through the buffer object. */
export function hostWrite(m: Machine, b: SharedBuffer, offset: number, data: Uint8Array): void {
  for (const [gpa, n, at] of gpaPieces(b, offset, data.length)) {
    expect(m.host.writeShared(gpa, data.subarray(at, at + n)), `host write of GPA 0x${gpa.toString(16)}+${n}: the page is not shared`).toBe(true);
  }
}

/** Guest write + dma_sync_single_for_device over the spans; returns what was written per span. */
export function guestFill(b: SharedBuffer, seed: number): Uint8Array[] {
  return spans(b.bytes).map(([off, len], i) => {
    const data = randomBytes(len, seed + i);
    okOf(b.write(off, data), `buffer.write(${off}, ${len} bytes)`);
    okOf(b.syncForDevice(off, len), `buffer.syncForDevice(${off}, ${len})`);
    return data;
  });
}

/** dma_sync_single_for_cpu + guest read over the spans. */
export function guestView(b: SharedBuffer): Uint8Array[] {
  return spans(b.bytes).map(([off, len]) => {
    okOf(b.syncForCpu(off, len), `buffer.syncForCpu(${off}, ${len})`);
    return okOf(b.read(off, len), `buffer.read(${off}, ${len})`);
  });
}

/** The host's view over the spans. */
export function hostView(m: Machine, b: SharedBuffer): Uint8Array[] {
  return spans(b.bytes).map(([off, len]) => hostRead(m, b, off, len));
}

/** Host writes random bytes over the spans; returns them. */
export function hostFill(m: Machine, b: SharedBuffer, seed: number): Uint8Array[] {
  return spans(b.bytes).map(([off, len], i) => {
    const data = randomBytes(len, seed + i);
    hostWrite(m, b, off, data);
    return data;
  });
}

/** Byte arrays compared without printing megabytes: first differing offset. */
export function expectSameBytes(got: Uint8Array[], want: Uint8Array[], what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    let diff = a.length === b.length ? -1 : Math.min(a.length, b.length);
    for (let j = 0; diff < 0 && j < b.length; j++) if (a[j] !== b[j]) diff = j;
    expect(diff, `${what}: span ${i} first differs at byte ${diff}`).toBe(-1);
  }
}
