import { expect } from 'vitest';
import {
  Machine,
  Owner,
  PageState,
  capabilitiesOf,
  kernelFor,
  type Kernel,
  type PlatformConfigInput,
  type Result,
  type SharedBufferAllocator,
  type StrategyCapabilities,
  type StrategyDefinition,
} from '@tdx-shbuf/core';

/** How `describeAllocatorConformance` builds every fresh model. */
export interface ConformanceOptions {
  /** Raw strategy options; parsed with `strategy.options` so its defaults apply. */
  options?: Record<string, unknown>;
  /** Platform of every fresh `Machine`; default: platformSchema's (16 GiB, 8 vCPUs). A smaller `memoryBytes` runs faster. */
  platform?: PlatformConfigInput;
  /** Name of the top-level `describe`; default: the strategy's `meta.name`. */
  label?: string;
}

/** A strategy with its options parsed once, shared by all groups. */
export interface Subject {
  readonly strategy: StrategyDefinition;
  readonly options: unknown;
  readonly caps: StrategyCapabilities;
  readonly platform: PlatformConfigInput;
}

/** One fresh model with one allocator on it. */
export interface Rig {
  readonly m: Machine;
  readonly kernel: Kernel;
  readonly alloc: SharedBufferAllocator;
  readonly caps: StrategyCapabilities;
  /** kernel.dma entry points the strategy called (for the `needsDevice: false` check). */
  readonly dmaCalls: string[];
  /** Run one step, then assert that no invariant broke and memory accounting still agrees. */
  step<T>(what: string, fn: () => T | Promise<T>): Promise<T>;
}

export function subjectOf(strategy: StrategyDefinition, cfg: ConformanceOptions): Subject {
  const options = strategy.options.parse(cfg.options ?? {});
  return { strategy, options, caps: capabilitiesOf(strategy, options), platform: cfg.platform ?? {} };
}

/**
 * A fresh Machine (boot as in start_kernel: memblock, swiotlb_init, the atomic
 * pools), kernelFor(m), and `strategy.create(kernel, options)`; `init()` runs
 * unless `{ init: false }`. The kernel's DMA API is wrapped only to record use.
 */
export async function bootRig(s: Subject, opts: { init?: boolean } = {}): Promise<Rig> {
  const m = new Machine(s.platform);
  const base = kernelFor(m);
  const dmaCalls: string[] = [];
  const dma = Object.fromEntries(
    Object.entries(base.dma).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        dmaCalls.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as Kernel['dma'];
  const kernel: Kernel = { ...base, dma };
  const step = async <T>(what: string, fn: () => T | Promise<T>): Promise<T> => {
    let out: T;
    try {
      out = await fn();
    } catch (e) {
      throw new Error(`${what} threw instead of returning an error value: ${(e as Error).message}`, { cause: e });
    }
    expectConsistent(m, what);
    return out;
  };
  expectConsistent(m, 'boot');
  const alloc = await step('create', () => s.strategy.create(kernel, s.options));
  const rig: Rig = { m, kernel, alloc, caps: s.caps, dmaCalls, step };
  if (opts.init ?? true) okOf(await step('init', () => alloc.init()), 'init');
  return rig;
}

/** The invariant log is empty, no shared page sits in the free pool, and the buddy lists agree with guest memory. */
export function expectConsistent(m: Machine, what: string): void {
  expect(
    m.inv.violations.map((v) => `invariant ${v.invariant} at pfn ${v.pfn}+${v.pages}: ${v.message}`),
    `invariant violations after ${what}`,
  ).toEqual([]);
  expect(sharedFreePages(m), `pages both shared and free after ${what} (invariant 1)`).toBe(0);
  expect(m.pages.freePageCount, `buddy free pages vs guest memory after ${what} (invariant 7)`).toBe(m.mem.pagesByOwner[Owner.Free]);
}

/** Pages in state Shared and owned Free (must stay 0: free_pages of a shared page, invariant 1). */
export function sharedFreePages(m: Machine): number {
  let n = 0;
  m.mem.forEach(0, m.mem.maxPfn, (s, e, state, owner) => {
    if (state === PageState.Shared && owner === Owner.Free) n += e - s;
  });
  return n;
}

/** Pages in state Shared and owned Leaked (counted leaks that stay shared, tdx-guest commit 27834971f616). */
export function leakedSharedPages(m: Machine): number {
  let n = 0;
  m.mem.forEach(0, m.mem.maxPfn, (s, e, state, owner) => {
    if (state === PageState.Shared && owner === Owner.Leaked) n += e - s;
  });
  return n;
}

/** Pages mapped decrypted in the direct map (what set_memory_decrypted on a direct-map address changes). */
export function directMapDecryptedPages(m: Machine): number {
  let n = 0;
  m.directMap.forEachRun(0, m.mem.maxPfn, (s, e, enc) => {
    if (!enc) n += e - s;
  });
  return n;
}

/** The value of an ok result, or a failed assertion naming the step and the kernel error. */
export function okOf<T>(r: Result<T>, what: string): T {
  if (!r.ok) expect.fail(`${what} returned ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Assert an error value with one of `codes` and a message. */
export function expectError(r: Result<unknown>, codes: readonly string[], what: string): void {
  expect(r.ok, `${what} should fail with ${codes.join(' or ')}`).toBe(false);
  if (r.ok) return;
  expect(codes, `${what}: error code (${r.error.message})`).toContain(r.error.code);
  expect(r.error.message.length, `${what}: error message`).toBeGreaterThan(0);
}
