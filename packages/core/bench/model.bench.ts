/**
 * Model benchmark (issue 2): prints figures, asserts nothing.
 *   (a) page-conversion round trips per second of wall time: take one free
 *       4 KiB page at a random address (alloc_contig_range), set_memory_decrypted,
 *       set_memory_encrypted, free — full bookkeeping, splits, flushes, MapGPA,
 *       accept, invariant checks;
 *   (b) heap of a freshly booted 4 TiB guest, and after 100,000 scattered
 *       conversions left shared.
 * Run: pnpm --filter @tdx-shbuf/core bench   (builds dist, then node --expose-gc on the compiled model:
 * tsx's keepNames wrappers would otherwise be measured too)
 */
import { GiB, TiB, PAGE_SIZE, Owner } from '@tdx-shbuf/core';
import { testMachine } from '@tdx-shbuf/core/internal';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heapMiB(): number {
  gc!();
  gc!();
  const u = process.memoryUsage();
  return (u.heapUsed + u.arrayBuffers) / 2 ** 20;
}

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * Round trips at random addresses of a 16 GiB guest, measured in phases on one
 * machine: the first phase pays the direct-map splits of first touches (one
 * 2M split per new 2M page: a page-table page and flush_tlb_all()), later
 * phases are the steady state. `withAlloc`: each page is first taken with
 * alloc_contig_range and freed after (page-allocator bookkeeping included);
 * otherwise the pages come from one 8 GiB allocation made up front.
 */
function roundTrips(phases: number[], withAlloc: boolean): number[] {
  const m = testMachine({ memoryBytes: 16 * GiB });
  const k = m.kernel;
  const r = rng(12345);
  const high = m.ram[m.ram.length - 1]!;
  let lo = high.startPfn;
  let span = high.endPfn - high.startPfn;
  if (!withAlloc) {
    lo = (5 * GiB) / PAGE_SIZE; // physical 5 GiB: past the boot-time allocations at 4 GiB
    span = (8 * GiB) / PAGE_SIZE;
    if (m.pages.allocContigRange(lo, span) === undefined) throw new Error('could not take 8 GiB');
  }
  const rates = phases.map((n) => {
    const t0 = performance.now();
    let done = 0;
    while (done < n) {
      const pfn = lo + Math.floor(r() * span);
      if (withAlloc) {
        if (m.mem.owner(pfn) !== Owner.Free) continue;
        if (m.pages.allocContigRange(pfn, 1) === undefined) continue;
      }
      const kva = m.pageAddress(pfn);
      if (!k.setMemoryDecrypted(kva, 1).ok || !k.setMemoryEncrypted(kva, 1).ok) throw new Error('conversion failed');
      if (withAlloc) k.freePages(pfn, 0);
      done++;
    }
    return n / ((performance.now() - t0) / 1000);
  });
  if (m.inv.violations.length) throw new Error(`violations: ${m.inv.violations.length}`);
  return rates;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
roundTrips([20_000], false); // JIT warm-up on a throw-away machine
const [touch, , steady] = roundTrips([100_000, 900_000, 1_000_000], false);
console.log(`(a) conversion round trips, set_memory_decrypted + set_memory_encrypted of one random 4 KiB page in an 8 GiB range (16 GiB guest):`);
console.log(`    first 100,000 (first touches split the direct map): ${fmt(touch!)}/s; after 900,000 more, the next 1,000,000 (steady state): ${fmt(steady!)}/s  [target ≥ 200,000/s]`);
const [withAllocTouch, withAllocSteady] = roundTrips([100_000, 200_000], true);
console.log(`(a) the same with alloc_contig_range + __free_pages of each page: ${fmt(withAllocTouch!)}/s, then ${fmt(withAllocSteady!)}/s`);

const base = heapMiB();
const big = testMachine({ memoryBytes: 4 * TiB });
const fresh = heapMiB() - base;
console.log(`(b) heap of a freshly booted 4 TiB guest: ${fresh.toFixed(1)} MiB (ranges: memory ${big.mem.ranges}, direct map ${big.directMap.ranges})  [target < 32 MiB]`);
const k = big.kernel;
const r = rng(777);
const high = big.ram[big.ram.length - 1]!;
let converted = 0;
while (converted < 100_000) {
  const pfn = high.startPfn + Math.floor(r() * (high.endPfn - high.startPfn));
  if (big.mem.owner(pfn) !== Owner.Free || big.pages.allocContigRange(pfn, 1) === undefined) continue;
  if (!k.setMemoryDecrypted(big.pageAddress(pfn), 1).ok) throw new Error('conversion failed');
  converted++;
}
const after = heapMiB() - base;
console.log(
  `(b) after 100,000 scattered conversions left shared: ${after.toFixed(1)} MiB (+${(after - fresh).toFixed(1)} MiB, ${(((after - fresh) * 2 ** 20) / converted).toFixed(0)} B per converted page; ranges: memory ${big.mem.ranges}, direct map ${big.directMap.ranges}; guest ${(4 * TiB) / PAGE_SIZE / 2 ** 20} Mi pages)`,
);
