import { expect } from 'vitest';
import { GiB, Machine, kernelFor, type CounterName, type Kernel, type PlatformConfigInput, type Result, type SharedBufferAllocator, type StrategyDefinition } from '@tdx-shbuf/core';

/** A fresh guest (16 GiB, 8 vCPUs unless told otherwise) with one allocator of `strategy` on it (not initialised). */
export function rig(strategy: StrategyDefinition, options: Record<string, unknown> = {}, platform: PlatformConfigInput = {}) {
  const m = new Machine({ memoryBytes: 16 * GiB, vcpus: 8, ...platform });
  const kernel: Kernel = kernelFor(m);
  const a: SharedBufferAllocator = strategy.create(kernel, strategy.options.parse(options));
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

export function must<T>(r: Result<T>): T {
  if (!r.ok) expect.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

export function expectErr(r: Result<unknown>, code: string): string {
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  expect(r.error.code, r.error.message).toBe(code);
  return r.error.message;
}

/** The counters a cost signature pins. */
export const SIGNATURE_COUNTERS = [
  'directMapLevel3Splits',
  'directMapLevel2Splits',
  'pagesConvertedToShared',
  'pagesConvertedToPrivate',
  'mapGpaCalls',
  'accepts4k',
  'accepts2m',
  'tlbFlushPages',
  'tlbFlushFull',
  'ipis',
  'cacheLinesFlushed',
  'bytesBounced',
] as const satisfies readonly CounterName[];

export type Signature = Record<(typeof SIGNATURE_COUNTERS)[number], number>;

/** init + alloc(8 KiB) + free on a fresh 16 GiB, 8-vCPU guest; deltas from right before init. */
export async function signatureOf(strategy: StrategyDefinition, options: Record<string, unknown> = {}): Promise<Signature & { hazardUnalignedZeropad: number }> {
  const { m, a, mark } = rig(strategy, options);
  const delta = mark();
  must(await a.init());
  const b = must(await a.alloc(8192));
  must(await a.free(b));
  const d = delta();
  expect(m.inv.violations).toEqual([]);
  const out = Object.fromEntries(SIGNATURE_COUNTERS.map((k) => [k, d[k]])) as Signature;
  return { ...out, hazardUnalignedZeropad: d.hazardUnalignedZeropad };
}
