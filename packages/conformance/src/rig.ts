import { expect } from 'vitest';
import {
  ConfigError,
  bootWithStrategy,
  capabilitiesOf,
  type AllocatorRequirements,
  type Kernel,
  type Machine,
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
  /**
   * What every allocator is created for (`create`'s requirements): `bytes` is the
   * largest buffer the suite asks for (default: the declared maxBytes), `concurrent`
   * defaults to the declared capability.
   */
  requirements?: Partial<AllocatorRequirements>;
}

/** A strategy with its options parsed once, shared by all groups. */
export interface Subject {
  readonly strategy: StrategyDefinition;
  readonly options: unknown;
  readonly caps: StrategyCapabilities;
  readonly platform: PlatformConfigInput;
  /** What each allocator is created for; `bytes` is the largest buffer the suite asks for. */
  readonly requirements: AllocatorRequirements;
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
  const caps = capabilitiesOf(strategy, options);
  const requirements = { bytes: cfg.requirements?.bytes ?? caps.maxBytes, concurrent: cfg.requirements?.concurrent ?? caps.concurrent };
  return { strategy, options, caps, platform: cfg.platform ?? {}, requirements };
}

/**
 * A fresh machine booted by core's bootWithStrategy (as in start_kernel:
 * memblock, swiotlb_init, the atomic pools), and `strategy.create(kernel,
 * options, requirements)`; `init()` runs unless `{ init: false }`. The
 * kernel's DMA API is wrapped only to record use.
 */
export async function bootRig(s: Subject, opts: { init?: boolean } = {}): Promise<Rig> {
  const dmaCalls: string[] = [];
  const recordDma = (base: Kernel): Kernel => {
    const dma = Object.fromEntries(
      Object.entries(base.dma).map(([name, fn]) => [
        name,
        (...args: unknown[]) => {
          dmaCalls.push(name);
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as unknown as Kernel['dma'];
    return { ...base, dma };
  };
  let booted: ReturnType<typeof bootWithStrategy>;
  try {
    booted = bootWithStrategy({ platform: s.platform, strategy: { definition: s.strategy, options: s.options }, requirements: s.requirements, wrapKernel: recordDma });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new Error(`create threw instead of returning an error value: ${(e as Error).message}`, { cause: e });
  }
  const { machine: m, kernel, allocator: alloc } = booted;
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
  expectConsistent(m, 'boot and create');
  const rig: Rig = { m, kernel, alloc, caps: s.caps, dmaCalls, step };
  if (opts.init ?? true) okOf(await step('init', () => alloc.init()), 'init');
  return rig;
}

/** The invariant log is empty and the page audit places every page: no shared page in the free pool, the buddy lists agree with guest memory. */
export function expectConsistent(m: Machine, what: string): void {
  expect(
    m.violations.map((v) => `invariant ${v.invariant} at pfn ${v.pfn}+${v.pages}: ${v.message}`),
    `invariant violations after ${what}`,
  ).toEqual([]);
  const a = m.audit();
  expect(a.shared.free, `pages both shared and free after ${what} (invariant 1)`).toBe(0);
  expect(a.freeListPages, `buddy free pages vs guest memory after ${what} (invariant 7)`).toBe(a.pages.free);
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

/** Pages mapped decrypted in the direct map (what set_memory_decrypted on a direct-map address changes). */
export const directMapDecryptedPages = (m: Machine): number => m.audit().directMapDecryptedPages;
