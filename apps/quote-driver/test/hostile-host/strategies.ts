import { QUOTE_BUF_STATUS, parseQuote, toHex, verifyQuote } from '@tdx-shbuf/tdx-formats';
import { expect } from 'vitest';
import type { Machine, QuoteHostFaults, StrategySpec } from '@tdx-shbuf/core';
import { parseConfig, type ConfigInput } from '../../src/config/config-schema.js';
import { APP_DIR, bootTd, type Td } from '../../src/td.js';

/**
 * The first-party strategies and variants the hostile-host scenarios run, with
 * what decides the kernel's outcome for each: when it converts memory (a MapGPA
 * storm or a refused conversion hits `request`ers per request, `init`ers when
 * the driver loads, `never` a bounce buffer), and whether a buffer it was given
 * back stays shared and comes back for the next request (what a host writing
 * into it later reaches).
 */
export interface StrategyCase {
  readonly label: string;
  readonly spec: StrategySpec;
  readonly converts: 'init' | 'request' | 'never';
  /** The buffer given back stays shared and is handed out again (upstream's one quote_data). */
  readonly reusesBuffer: boolean;
  /** Serves parallel requests (declares concurrent: true). */
  readonly concurrent: boolean;
  /** What tdx_guest_init fails with when the init-time conversion fails. */
  readonly initErrno?: 'ENOMEM' | 'EIO';
}

export const STRATEGIES: readonly StrategyCase[] = [
  { label: 'direct-map', spec: 'direct-map', converts: 'init', reusesBuffer: true, concurrent: false, initErrno: 'ENOMEM' },
  { label: 'direct-map per-request', spec: ['direct-map', { convert: 'per-request' }], converts: 'request', reusesBuffer: false, concurrent: true },
  { label: 'vmap-noalias', spec: 'vmap-noalias', converts: 'request', reusesBuffer: false, concurrent: true },
  { label: 'open-coded', spec: 'open-coded', converts: 'request', reusesBuffer: false, concurrent: true },
  { label: 'dma-swiotlb streaming', spec: ['dma-swiotlb', { mode: 'streaming' }], converts: 'never', reusesBuffer: false, concurrent: true },
  { label: 'dma-swiotlb coherent', spec: ['dma-swiotlb', { mode: 'coherent' }], converts: 'request', reusesBuffer: false, concurrent: true },
  { label: 'shared-pool', spec: 'shared-pool', converts: 'init', reusesBuffer: true, concurrent: true, initErrno: 'EIO' },
];

export const CHECKS = ['v6.7', 'v7.0'] as const;
export type Checks = (typeof CHECKS)[number];

export const REPORT_DATA = Uint8Array.from({ length: 64 }, (_, i) => (i * 13 + 1) & 0xff);
export const PLATFORM = { memoryBytes: 2 ** 30, vcpus: 4 };

/** What one request came back with: the errno, an empty quote, a quote that verifies and carries its REPORTDATA, or one that does not. */
export type Outcome = 'verified' | 'not verifiable' | 'empty' | string;

export async function bootCase(s: StrategyCase, checks: Checks, config: ConfigInput = {}): Promise<Td> {
  return bootTd(parseConfig({ ...config, strategy: s.spec, platform: { ...PLATFORM, ...config.platform }, driver: { ...config.driver, checks } }), { configDir: APP_DIR });
}

/** Judge a quote as a relying party would: signature and chain to the simulated root, and our REPORTDATA in it. */
export function judge(t: Td, r: Awaited<ReturnType<Td['driver']['getQuote']>>): Outcome {
  if (!r.ok) return r.error.code;
  if (r.value.length === 0) return 'empty';
  try {
    const v = verifyQuote(r.value, { trustedRootPem: t.rootCaPem });
    return v.valid && toHex(parseQuote(r.value).body.reportData) === toHex(REPORT_DATA) ? 'verified' : 'not verifiable';
  } catch {
    return 'not verifiable';
  }
}

/**
 * Requests in one vCPU task, in virtual-time order: a number sleeps that many
 * ns, an object sets the host's quote-service knobs, `'q'` is one request.
 * Host tasks still running are joined at the end.
 */
export async function script(t: Td, ...steps: ('q' | number | QuoteHostFaults)[]): Promise<Outcome[]> {
  const out = await t.onVcpu(0, async () => {
    const o: Outcome[] = [];
    for (const s of steps) {
      if (s === 'q') o.push(judge(t, await t.driver.getQuote(REPORT_DATA)));
      else if (typeof s === 'number') await t.machine.sched.sleep(s);
      else t.machine.faults.quoteService(s);
    }
    return o;
  });
  await t.machine.sched.join([...t.machine.host.quote.pending]);
  return out;
}

/** Pages leaked since boot. */
export const leakedSinceBoot = (m: Machine, bootLeaked: number) => m.counters.leakedPages - bootLeaked;

/** Nothing lost: the audit places every page, the leaked class is what the counter says, the classes add up to RAM. */
export function expectAccounted(m: Machine): void {
  const a = m.audit();
  expect(a.lost).toEqual([]);
  expect(a.pages.leaked).toBe(m.counters.leakedPages);
  expect(Object.values(a.pages).reduce((x, y) => x + y, 0)).toBe(a.ramPages);
}

/** Violations as their invariant numbers, in order. */
export const violationsOf = (m: Machine) => m.violations.map((v) => v.invariant);

export { QUOTE_BUF_STATUS };
