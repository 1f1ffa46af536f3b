/**
 * Model benchmark (issue 14): prints figures, asserts nothing.
 *   (a) conversion round trips per second: set_memory_decrypted +
 *       set_memory_encrypted of one random 4 KiB page, first touches and
 *       steady state, alone and with alloc_contig_range + __free_pages;
 *   (b) a 4 TiB guest: boot time and heap, and the heap after 100,000
 *       scattered conversions left shared;
 *   (c) the discrete-event scheduler: events per second (8 tasks, random
 *       1–10 µs sleeps, a wait-queue handoff every 10 iterations).
 * Rates are per second of wall time, with the rate per second of CPU time in
 * brackets (steadier when other work shares the cores); the load average is
 * printed before and after.
 * Run: pnpm --filter @tdx-shbuf/core bench [--short]   (BENCH_SHORT=1 also
 * selects the short mode CI runs: every figure, smaller counts). It builds dist
 * and runs node --expose-gc on the compiled model: tsx's keepNames wrappers
 * would otherwise be measured too.
 */
import { roundTrips } from './conversions.js';
import { bigGuest } from './memory.js';
import { iterationsFor, schedulerEvents } from './scheduler.js';
import { fmt, heapMiB, load, rate } from './util.js';

const short = process.argv.includes('--short') || process.env.BENCH_SHORT === '1';
const n = (full: number) => (short ? Math.max(1, Math.round(full / 10)) : full);

console.log(`model bench${short ? ' (short mode: a tenth of the counts)' : ''}; load average ${load()}`);

roundTrips([n(20_000)], false); // JIT warm-up on a throw-away machine
const [touch, , steady] = roundTrips([n(100_000), n(900_000), n(1_000_000)], false);
console.log('(a) conversion round trips, set_memory_decrypted + set_memory_encrypted of one random 4 KiB page in an 8 GiB range (16 GiB guest):');
console.log(`    first ${fmt(n(100_000))} (first touches split the direct map): ${rate(n(100_000), touch!, 'round trips')}`);
console.log(`    steady state (the ${fmt(n(1_000_000))} after ${fmt(n(900_000))} more): ${rate(n(1_000_000), steady!, 'round trips')}  [target ≥ 500,000/s]`);
const [allocTouch, allocSteady] = roundTrips([n(100_000), n(200_000)], true);
console.log(
  `    with alloc_contig_range + __free_pages of each page: first ${fmt(n(100_000))} ${rate(n(100_000), allocTouch!, 'round trips')}; the next ${fmt(n(200_000))} ${rate(n(200_000), allocSteady!, 'round trips')}`,
);

const big = bigGuest(short ? 3 : 10, n(100_000));
console.log(
  `(b) 4 TiB guest: boot ${big.boot.wall.toFixed(3)} s (${big.boot.cpu.toFixed(3)} s CPU; median of ${big.guests}; the first boot in the process: ${big.coldBoot.wall.toFixed(3)} s); heap ${big.fresh.toFixed(2)} MiB per guest (${big.guests} kept alive; ranges: memory ${big.ranges.fresh[0]}, direct map ${big.ranges.fresh[1]})  [target ≤ 2 MiB]`,
);
console.log(
  `    after ${fmt(big.converted)} scattered conversions left shared: ${big.after.toFixed(1)} MiB (+${(big.after - big.fresh).toFixed(1)} MiB, ${fmt(((big.after - big.fresh) * 2 ** 20) / big.converted)} B per page; ranges: memory ${big.ranges.after[0]}, direct map ${big.ranges.after[1]}; ${rate(big.converted, big.convert, 'conversions')})  [target ≤ +40 MiB per 100,000]`,
);

heapMiB(); // (b)'s guests are garbage: collect them now, not while the scheduler is timed
await schedulerEvents(iterationsFor(270_000)); // JIT warm-up: the code is optimised after ~200,000 events
const iterations = iterationsFor(n(900_000));
const sched = await schedulerEvents(iterations);
console.log(
  `(c) scheduler: ${fmt(sched.events)} events (8 tasks × ${fmt(iterations)} iterations): ${rate(sched.events, sched.time, 'events')}  [target ≥ 4,000,000/s: 10× SimPy 2.3.1's 0.4M/s on this machine, the issue's figure]`,
);
console.log(`load average ${load()}`);
