/** Helpers the benchmark sections share: a seeded generator, heap and timing figures, number formatting. */
import { loadavg } from 'node:os';

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Live heap plus ArrayBuffer memory once full collections stop freeing
 * anything, MiB (needs node --expose-gc): one or two collections can leave
 * garbage for the next (finalizers, freed ArrayBuffers released late).
 */
export function heapMiB(): number {
  if (!gc) throw new Error('run with node --expose-gc');
  const read = () => {
    gc();
    gc();
    const u = process.memoryUsage();
    return (u.heapUsed + u.arrayBuffers) / 2 ** 20;
  };
  let last = read();
  for (let i = 0; i < 10; i++) {
    const now = read();
    if (Math.abs(now - last) < 1 / 1024) return now;
    last = now;
  }
  return last;
}

/** xorshift32 in [0, 1), seeded: every run makes the same choices. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Wall and CPU time of a stretch of work, s: CPU time (this process, user + system) moves less than wall time when other work shares the cores. */
export interface Timed {
  wall: number;
  cpu: number;
}

export function timer(): () => Timed {
  const w0 = performance.now();
  const c0 = process.cpuUsage();
  return () => {
    const c = process.cpuUsage(c0);
    return { wall: (performance.now() - w0) / 1000, cpu: (c.user + c.system) / 1e6 };
  };
}

/** `n` per second of wall time, and in brackets per second of CPU time. */
export function rate(n: number, t: Timed, unit: string): string {
  return `${fmt(n / t.wall)} ${unit}/s (${fmt(n / t.cpu)}/s of CPU time)`;
}

export const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

export const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
