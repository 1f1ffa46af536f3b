/** Seeded random streams for workloads: arrivals and request sizes, reproducible bit for bit. */
import type { SizeDistribution } from './workload-schema.js';

/** A stream of uniform numbers in [0, 1) (splitmix32), seeded by the run seed, the client and what it draws for. */
export class Rng {
  private s: number;
  constructor(...seed: number[]) {
    let h = 0x9e3779b9;
    for (const x of seed) h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) ^ (h >>> 13);
    this.s = h >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x9e3779b9) | 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  }

  /** Exponential with the given mean (Poisson inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Draws request sizes from a fixed size or a distribution. */
export function sizeSampler(bytes: number | SizeDistribution, rng: Rng): () => number {
  if (typeof bytes === 'number') return () => bytes;
  switch (bytes.kind) {
    case 'uniform':
      return () => bytes.min + Math.floor(rng.next() * (bytes.max - bytes.min + 1));
    case 'lognormal':
      return () => Math.min(bytes.max, Math.max(1, Math.round(bytes.median * Math.exp(bytes.sigma * rng.normal()))));
    case 'choice': {
      const w = bytes.weights ?? bytes.values.map(() => 1);
      const total = w.reduce((a, b) => a + b, 0);
      return () => {
        let x = rng.next() * total;
        for (let i = 0; i < w.length; i++) {
          x -= w[i]!;
          if (x < 0) return bytes.values[i]!;
        }
        return bytes.values[bytes.values.length - 1]!;
      };
    }
  }
}
