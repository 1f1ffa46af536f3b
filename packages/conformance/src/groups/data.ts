import { describe, expect, it } from 'vitest';
import type { SharedBuffer } from '@tdx-shbuf/core';
import { bootRig, okOf, type Rig, type Subject } from '../rig.js';
import { expectSameBytes, guestFill, guestView, hostFill, hostView } from '../buffer-views.js';
import { expectWellFormed, sizesFor } from './lifecycle.js';

type Interval = readonly [number, number];
const overlaps = (a: Interval, b: Interval) => a[0] < b[1] && b[0] < a[1];

/** Every pair of intervals disjoint, or a failed assertion naming the pair. */
function expectDisjoint(label: string, iv: { name: string; at: Interval }[]): void {
  for (let i = 0; i < iv.length; i++)
    for (let j = i + 1; j < iv.length; j++) {
      const [a, b] = [iv[i]!, iv[j]!];
      expect(overlaps(a.at, b.at), `${label}: ${a.name} [0x${a.at[0].toString(16)}, 0x${a.at[1].toString(16)}) overlaps ${b.name} [0x${b.at[0].toString(16)}, 0x${b.at[1].toString(16)})`).toBe(false);
    }
}

function expectBuffersDisjoint(live: SharedBuffer[]): void {
  expectDisjoint(
    'kva ranges',
    live.map((b) => ({ name: `buffer ${b.id}`, at: [b.kva, b.kva + b.bytes] as const })),
  );
  expectDisjoint(
    'shared GPA ranges',
    live.flatMap((b) => b.sharedGpas.map((g, k) => ({ name: `buffer ${b.id} range ${k}`, at: [g.gpa, g.gpa + g.bytes] as const }))),
  );
}

async function allocChecked(rig: Rig, bytes: number): Promise<SharedBuffer> {
  const b = okOf(await rig.step(`alloc(${bytes})`, () => rig.alloc.alloc(bytes)), `alloc(${bytes})`);
  expectWellFormed(rig, b, bytes);
  return b;
}

export function dataGroups(s: Subject): void {
  const max = s.requirements.bytes;
  const dataSizes = [...new Set([1, Math.min(2 * 4096 + 5, max), max])];

  // The guest writes through kva then dma_sync_single_for_device(); the host reads the shared EPT (and the reverse with
  // dma_sync_single_for_cpu()), as tdx_hcall_get_quote's buffer is shared by GPA, not by object.
  describe('what the guest writes is what the host sees, and back, over every shared GPA range', () => {
    it.each(dataSizes)('guest → host, %i-byte buffer (write + syncForDevice, then vmm.readShared)', async (bytes) => {
      const rig = await bootRig(s);
      const b = await allocChecked(rig, bytes);
      const wrote = await rig.step('guest write + syncForDevice', () => guestFill(b, 100 + bytes));
      expectSameBytes(hostView(rig.m, b), wrote, 'host view of guest-written bytes');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
    it.each(dataSizes)('host → guest, %i-byte buffer (vmm.writeShared, then syncForCpu + read)', async (bytes) => {
      const rig = await bootRig(s);
      const b = await allocChecked(rig, bytes);
      const wrote = hostFill(rig.m, b, 200 + bytes);
      expectSameBytes(await rig.step('syncForCpu + guest read', () => guestView(b)), wrote, 'guest view of host-written bytes');
      okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });

  // Two live buffers sharing a page would let one request's host write corrupt another's (swiotlb_find_slots keeps slots disjoint).
  describe.skipIf(!s.caps.concurrent)('concurrent buffers never overlap (runs only with capabilities.concurrent)', () => {
    // Small sizes plus one of maxBytes, so strategies with a fixed pool (atomic pool, SWIOTLB) have room for all.
    const sizes = [1, Math.min(4097, max), Math.min(3 * 4096 + 17, max), max];
    it('live buffers have disjoint kva and GPA ranges, and data written to one never shows in another', async () => {
      const rig = await bootRig(s);
      const live: SharedBuffer[] = [];
      for (const bytes of sizes) live.push(await allocChecked(rig, bytes));
      expectBuffersDisjoint(live);
      const guestData = new Map<SharedBuffer, Uint8Array[]>();
      for (const [i, b] of live.entries()) guestData.set(b, await rig.step(`guest write to buffer ${i}`, () => guestFill(b, 300 + i * 1000)));
      for (const [i, b] of live.entries()) {
        expectSameBytes(hostView(rig.m, b), guestData.get(b)!, `host view of buffer ${i}`);
        expectSameBytes(await rig.step(`guest read of ${i}`, () => guestView(b)), guestData.get(b)!, `guest view of buffer ${i}`);
      }
      // The host rewrites buffer 0 only: the others keep their bytes.
      const hostData = hostFill(rig.m, live[0]!, 999);
      expectSameBytes(await rig.step('guest read of 0', () => guestView(live[0]!)), hostData, 'buffer 0 after the host wrote it');
      for (const [i, b] of live.slice(1).entries()) {
        expectSameBytes(await rig.step(`guest read of ${i + 1}`, () => guestView(b)), guestData.get(b)!, `buffer ${i + 1} after the host wrote buffer 0`);
      }
      // Free from the middle, allocate again while the others are live.
      okOf(await rig.step('free middle', () => rig.alloc.free(live.splice(2, 1)[0]!)), 'free');
      live.push(await allocChecked(rig, Math.min(3 * 4096, max)));
      expectBuffersDisjoint(live);
      for (const b of live) okOf(await rig.step(`free ${b.id}`, () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
    });
  });

  describe('every invariant holds after every operation', () => {
    it('a mixed sequence of alloc / guest write / host write / sync / read / free, checked after each step', async () => {
      const rig = await bootRig(s);
      const sizes = sizesFor(max);
      const keep = s.caps.concurrent ? 3 : 1;
      const live: SharedBuffer[] = [];
      for (let i = 0; i < 16; i++) {
        const bytes = sizes[(i * 5) % sizes.length]!;
        const b = await allocChecked(rig, bytes);
        live.push(b);
        const g = await rig.step(`${i}: guest write`, () => guestFill(b, i));
        expectSameBytes(hostView(rig.m, b), g, `${i}: host view`);
        const h = hostFill(rig.m, b, 50 + i);
        expectSameBytes(await rig.step(`${i}: guest read`, () => guestView(b)), h, `${i}: guest view`);
        if (live.length >= keep) okOf(await rig.step(`${i}: free`, () => rig.alloc.free(live.shift()!)), `${i}: free`);
      }
      for (const b of live) okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
      okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
      expect(rig.m.counters.violations, 'violations counted by the model').toBe(0);
    });
  });
}
