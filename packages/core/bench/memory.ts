/**
 * Memory flat in guest size: boot a 4 TiB guest (wall time and heap), then
 * convert scattered single pages of it and leave them shared (heap growth).
 */
import { TiB, Owner } from '@tdx-shbuf/core';
import { testMachine, type TestMachine } from '@tdx-shbuf/core/internal';
import { heapMiB, rng, timer, type Timed } from './util.js';

export interface BigGuest {
  m: TestMachine;
  boot: Timed;
  /** Heap of the booted guest, MiB. */
  heap: number;
  /** Heap before boot, MiB (what the rest of the process holds). */
  base: number;
}

export function bootBigGuest(): BigGuest {
  const base = heapMiB();
  const done = timer();
  const m = testMachine({ memoryBytes: 4 * TiB });
  const boot = done();
  return { m, boot, heap: heapMiB() - base, base };
}

/** alloc_contig_range + set_memory_decrypted of `count` random free pages of the high RAM range, left shared; the heap after, MiB over `base`. */
export function scatterConversions(g: BigGuest, count: number): { heap: number; time: Timed } {
  const { m } = g;
  const k = m.kernel;
  const r = rng(777);
  const high = m.ram[m.ram.length - 1]!;
  const done = timer();
  let converted = 0;
  while (converted < count) {
    const pfn = high.startPfn + Math.floor(r() * (high.endPfn - high.startPfn));
    if (m.mem.owner(pfn) !== Owner.Free || m.pages.allocContigRange(pfn, 1) === undefined) continue;
    if (!k.setMemoryDecrypted(m.pageAddress(pfn), 1).ok) throw new Error('conversion failed');
    converted++;
  }
  const time = done();
  if (m.inv.violations.length) throw new Error(`violations: ${m.inv.violations.length}`);
  return { heap: heapMiB() - g.base, time };
}
