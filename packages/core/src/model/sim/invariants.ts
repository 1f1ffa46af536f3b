import type { Scheduler } from './scheduler.js';
import type { Counters } from './metrics.js';

/** docs/architecture.md "Invariants", numbered as there. */
export const INVARIANTS = {
  1: 'No shared page is ever in the free pool or handed out as ordinary memory.',
  2: 'No page is read or written through a private mapping while it is shared.',
  3: 'No page is used before it is accepted.',
  4: 'A buffer the host may still write is never freed, reused or converted.',
  5: 'The driver reads host-written fields once and bounds-checks out_len before copying.',
  6: 'Pages whose conversion back to private failed are leaked, counted, and never reused.',
  7: 'Nothing is lost: every allocated byte is accounted as in use, free, pool or leaked.',
  8: 'A conversion that reports success leaves every page it was given in the state it asked for.',
} as const;

export type InvariantId = keyof typeof INVARIANTS;

/** A recorded violation: when, on which task, which pages. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly time: number;
  readonly task: string;
  /** First page frame number and count. */
  readonly pfn: number;
  readonly pages: number;
  readonly message: string;
}

/** Collects violations; optionally throws at the first one (tests that want a stack). */
export class InvariantLog {
  readonly violations: Violation[] = [];
  constructor(
    private readonly sched: Scheduler,
    private readonly counters: Counters,
    private readonly throwOnViolation = false,
  ) {}

  record(invariant: InvariantId, pfn: number, pages: number, message: string): void {
    const v: Violation = { invariant, time: this.sched.now(), task: this.sched.current.name, pfn, pages, message };
    this.violations.push(v);
    this.counters.violations++;
    if (this.throwOnViolation) throw new Error(`invariant ${invariant} violated: ${message} (pfn ${pfn}+${pages})`);
  }
}
