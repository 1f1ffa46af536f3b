import { GiB, bootWithStrategy, chargedNs, type CounterName, type FragmentationCost, type PlatformConfigInput, type StrategyDefinition } from '@tdx-shbuf/core';

/**
 * The counters a cost signature pins: splits by level, conversions, MapGPA, accepts, flushes, IPIs
 * and the exits that send them, cache lines, bounces, first-touch accepts of unaccepted memory
 * (MAX_PAGE_ORDER blocks), and the most shared pages tdx_kexec_finish() could not have found (a
 * gauge: its delta from before init is its peak).
 */
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
  'ipiSendExits',
  'cacheLinesFlushed',
  'bytesBounced',
  'acceptMemoryBlocks',
  'kexecUnsafeSharedPagesPeak',
] as const satisfies readonly CounterName[];

export interface CostSignature {
  /** Every counter's delta from right before init() to after free() and the work it queued. */
  readonly counters: Record<CounterName, number>;
  /** Work of init + alloc + request + free on the calling task, ns (its waits excluded). */
  readonly ns: number;
  /** The steady-state cost of the direct-map fragmentation left behind, over platform.fragmentation.horizonS (Machine.fragmentation()). */
  readonly fragmentation: FragmentationCost;
  /** Work charged to every task meanwhile, ns: `ns` plus what kworkers did for the request (the sum of the phase counters). */
  readonly workNs: number;
  /** Invariant violations recorded meanwhile (messages). */
  readonly violations: readonly string[];
}

/**
 * What ONE request costs a strategy: init + alloc(bytes) + the driver's
 * request (write the buffer, syncForDevice — a streaming buffer is mapped
 * there — then wait for the host, while work the request queued runs on a
 * kworker) + free on a fresh guest (default 16 GiB, 8 vCPUs), counted from
 * right before init (boot excluded). The allocator is created for `bytes` (its
 * requirements), as the driver creates it for its buffer size. Plain code (no
 * vitest), so scripts can use it too.
 */
export async function measureCostSignature(
  strategy: StrategyDefinition,
  options: Record<string, unknown> = {},
  { bytes = 8192, platform = {} }: { bytes?: number; platform?: PlatformConfigInput } = {},
): Promise<CostSignature> {
  const { machine: m, allocator: a } = bootWithStrategy({
    platform: { memoryBytes: 16 * GiB, vcpus: 8, ...platform },
    strategy: { definition: strategy, options },
    requirements: { bytes, concurrent: false },
  });
  const before = m.sinceBoot();
  const t0 = m.sched.now();
  const step = <T>(r: { ok: true; value: T } | { ok: false; error: Error }, what: string): T => {
    if (!r.ok) throw new Error(`${strategy.meta.name} ${JSON.stringify(options)}: ${what} failed: ${r.error.message}`);
    return r.value;
  };
  const task = m.sched.current;
  const w0 = task.waited;
  step(await a.init(), 'init');
  const b = step(await a.alloc(bytes), 'alloc');
  step(b.write(0, new Uint8Array(bytes)), 'write');
  step(b.syncForDevice(0, bytes), 'syncForDevice');
  // the request waits for the host here; work it queued (atomic_pool_work) runs meanwhile
  await m.flushWork();
  step(await a.free(b), 'free');
  await m.flushWork();
  const ns = m.sched.now() - t0 - (task.waited - w0);
  const after = m.sinceBoot();
  const counters = Object.fromEntries(Object.keys(after).map((k) => [k, after[k as CounterName] - before[k as CounterName]])) as Record<CounterName, number>;
  return { counters, ns, workNs: chargedNs(counters), fragmentation: m.fragmentation(), violations: m.violations.map((v) => `invariant ${v.invariant}: ${v.message}`) };
}
