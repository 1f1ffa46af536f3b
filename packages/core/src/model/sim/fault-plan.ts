import type { FaultsConfig } from '../../platform/faults.js';

/** Draws from the plan; `roll(p)` is true with probability p (never draws when p is 0). */
export class FaultPlan {
  private x: number;
  /** Faults apply once boot is done (the machine arms the plan at the end of its constructor). */
  armed = false;
  constructor(readonly config: FaultsConfig) {
    this.x = (config.seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  }

  roll(p: number): boolean {
    if (p <= 0 || !this.armed) return false;
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x / 2 ** 32 < p;
  }
}
