/**
 * Memory flat in guest size: boot a 4 TiB guest (wall time and heap), then
 * convert scattered single pages of it and leave them shared (heap growth).
 * Heaps (live heap plus ArrayBuffer memory after full collections) are
 * measured from just before the boot, after a first boot has warmed up.
 */
import { TiB, Owner } from '@tdx-shbuf/core';
import { testMachine, type TestMachine } from '@tdx-shbuf/core/internal';
import { heapMiB, rng, timer, type Timed } from './util.js';

export interface BigGuestFigures {
  /** The first boot in the process (code not yet optimised, modules' lazy state made). */
  coldBoot: Timed;
  /** The median of the next boots. */
  boot: Timed;
  /** Guests booted and kept alive for the heap figure. */
  guests: number;
  /** Heap per booted guest, MiB: what `guests` guests hold together, divided by their number (V8's own heap moves by ±0.2 MiB between two measurements). */
  fresh: number;
  /** Heap the last guest holds after the scattered conversions, MiB (fresh + growth). */
  after: number;
  converted: number;
  convert: Timed;
  /** Ranges of guest memory and of the direct map, fresh and after. */
  ranges: { fresh: [number, number]; after: [number, number] };
}

export function bigGuest(guests: number, conversions: number): BigGuestFigures {
  let done = timer();
  testMachine({ memoryBytes: 4 * TiB });
  const coldBoot = done();
  const base = heapMiB();
  const kept: TestMachine[] = [];
  const boots: Timed[] = [];
  for (let i = 0; i < guests; i++) {
    done = timer();
    kept.push(testMachine({ memoryBytes: 4 * TiB }));
    boots.push(done());
  }
  const all = heapMiB();
  const fresh = (all - base) / guests;
  const m = kept[guests - 1]!;
  const freshRanges: [number, number] = [m.mem.ranges, m.directMap.ranges];
  done = timer();
  scatterConversions(m, conversions);
  const convert = done();
  const after = fresh + heapMiB() - all;
  boots.sort((a, b) => a.wall - b.wall);
  return { coldBoot, boot: boots[guests >> 1]!, guests, fresh, after, converted: conversions, convert, ranges: { fresh: freshRanges, after: [m.mem.ranges, m.directMap.ranges] } };
}

/** alloc_contig_range + set_memory_decrypted of `count` random free pages of the high RAM range, left shared. */
function scatterConversions(m: TestMachine, count: number): void {
  const k = m.kernel;
  const r = rng(777);
  const high = m.ram[m.ram.length - 1]!;
  let converted = 0;
  while (converted < count) {
    const pfn = high.startPfn + Math.floor(r() * (high.endPfn - high.startPfn));
    if (m.mem.owner(pfn) !== Owner.Free || m.pages.allocContigRange(pfn, 1) === undefined) continue;
    if (!k.setMemoryDecrypted(m.pageAddress(pfn), 1).ok) throw new Error('conversion failed');
    converted++;
  }
  if (m.inv.violations.length) throw new Error(`violations: ${m.inv.violations.length}`);
}
