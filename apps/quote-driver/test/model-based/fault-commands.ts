/**
 * Fault-plan changes both levels of the model-based tests make mid-sequence:
 * scripted MapGPA misbehaviour (the next answers, in order) and page
 * allocations that fail (the n-th from now, or every one from it on).
 */
import fc from 'fast-check';
import type { Machine, MapGpaFault } from '@tdx-shbuf/core';

const MAPGPA_FAULTS: MapGpaFault[] = [{ kind: 'retry' }, { kind: 'retry-no-progress' }, { kind: 'retry-out-of-range' }, { kind: 'error' }];

export type FaultCmd = { op: 'mapGpa'; faults: number[] } | { op: 'failAllocations'; at: number; onward: boolean } | { op: 'clearAllocationFaults' };

/** The fault commands, each with weight 1, for a command `fc.oneof`. */
export const faultCmdArbs = [
  { weight: 1, arbitrary: fc.record({ op: fc.constant('mapGpa' as const), faults: fc.array(fc.nat({ max: MAPGPA_FAULTS.length - 1 }), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('failAllocations' as const), at: fc.nat({ max: 3 }), onward: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clearAllocationFaults' as const) }) },
];

export const isFaultCmd = (c: { op: string }): c is FaultCmd => c.op === 'mapGpa' || c.op === 'failAllocations' || c.op === 'clearAllocationFaults';

/** Applies fault commands to one machine, keeping the allocation script it may have to clear. */
export class FaultScript {
  private clearAlloc: (() => void) | undefined;
  constructor(private readonly m: Machine) {}

  apply(c: FaultCmd): void {
    if (c.op === 'mapGpa') this.m.faults.mapGpa(...c.faults.map((f) => MAPGPA_FAULTS[f]!));
    else {
      this.clear();
      if (c.op === 'failAllocations') this.clearAlloc = this.m.faults.failAllocations(c.at, { onward: c.onward });
    }
  }

  /** Allocations succeed again (the scripted MapGPA answers stay until the host gives them). */
  clear(): void {
    this.clearAlloc?.();
    this.clearAlloc = undefined;
  }
}
