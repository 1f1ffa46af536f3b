import { expect } from 'vitest';
import {
  GiB,
  MAX_PAGE_ORDER,
  PAGE_SIZE,
  PHASE_COUNTERS,
  bootWithStrategy,
  type AllocatorRequirements,
  type CounterName,
  type Kernel,
  type PhaseCounter,
  type PlatformConfigInput,
  type Result,
  type SharedBufferAllocator,
  type StrategyDefinition,
} from '@tdx-shbuf/core';
import { SIGNATURE_COUNTERS, measureCostSignature } from './signature.js';

/** Test helpers for strategy packages' own unit tests. */

/**
 * A fresh guest (16 GiB, 8 vCPUs unless told otherwise) with one allocator of
 * `strategy` on it (not initialised), created for `requirements` (default:
 * 8 KiB buffers, GET_QUOTE_BUF_SIZE, one at a time).
 */
export function strategyRig(strategy: StrategyDefinition, options: Record<string, unknown> = {}, platform: PlatformConfigInput = {}, requirements: Partial<AllocatorRequirements> = {}) {
  const booted = bootWithStrategy({
    platform: { memoryBytes: 16 * GiB, vcpus: 8, ...platform },
    strategy: { definition: strategy, options },
    requirements: { bytes: requirements.bytes ?? 8192, concurrent: requirements.concurrent ?? false },
  });
  const m = booted.machine;
  const kernel: Kernel = booted.kernel;
  const a: SharedBufferAllocator = booted.allocator;
  /** Counter deltas since this call. */
  const mark = () => {
    const before = m.sinceBoot();
    return (): Record<CounterName, number> => {
      const now = m.sinceBoot();
      return Object.fromEntries(Object.keys(now).map((k) => [k, now[k as CounterName] - before[k as CounterName]])) as Record<CounterName, number>;
    };
  };
  return { m, kernel, a, mark };
}

/**
 * Take every free block of the page allocator below `pa` (largest orders
 * first) and keep it, so the next allocations come from `pa` upwards — e.g.
 * from a 1G direct-map page nothing has split yet. Fails the test if memory
 * runs out first.
 */
export function takeFreeMemoryBelow(kernel: Kernel, pa: number): void {
  const limit = pa / PAGE_SIZE;
  for (let order = MAX_PAGE_ORDER; order >= 0; order--) {
    for (;;) {
      const pfn = must(kernel.allocPages(order));
      if (pfn < limit) continue;
      kernel.freePages(pfn, order);
      break;
    }
  }
}

/** The value of an ok result; fails the test with the errno and message otherwise. */
export function must<T>(r: Result<T>): T {
  if (!r.ok) expect.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Assert a failure with `code`; returns its message. */
export function expectErr(r: Result<unknown>, code: string): string {
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  expect(r.error.code, r.error.message).toBe(code);
  return r.error.message;
}

export type Signature = Record<(typeof SIGNATURE_COUNTERS)[number], number>;

/** The pinned signature counters (plus zeropad hazards) of one 8 KiB request; asserts no violation. */
export async function signatureOf(strategy: StrategyDefinition, options: Record<string, unknown> = {}): Promise<Signature & { hazardUnalignedZeropad: number }> {
  const s = await measureCostSignature(strategy, options);
  expect(s.violations).toEqual([]);
  const out = Object.fromEntries(SIGNATURE_COUNTERS.map((k) => [k, s.counters[k]])) as Signature;
  return { ...out, hazardUnalignedZeropad: s.counters.hazardUnalignedZeropad };
}

/** ns to 0.1 ns, so a pinned time does not depend on floating-point summation order. */
const tenth = (ns: number) => Math.round(ns * 10) / 10;

/**
 * The modeled time of one 8 KiB request (measureCostSignature): `ns` on the
 * calling task, `workNs` on every task (kworkers included), and the non-zero
 * phases of `workNs` — each to 0.1 ns. Asserts no violation.
 */
export async function costOf(strategy: StrategyDefinition, options: Record<string, unknown> = {}): Promise<{ ns: number; workNs: number; phases: Partial<Record<PhaseCounter, number>> }> {
  const s = await measureCostSignature(strategy, options);
  expect(s.violations).toEqual([]);
  const phases: Partial<Record<PhaseCounter, number>> = {};
  for (const k of Object.values(PHASE_COUNTERS)) if (s.counters[k] !== 0) phases[k] = tenth(s.counters[k]);
  return { ns: tenth(s.ns), workNs: tenth(s.workNs), phases };
}
