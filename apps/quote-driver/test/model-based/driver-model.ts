/**
 * Driver-level model-based test: random sequences of quote requests (single,
 * bursts of up to 20 in parallel, bad inblobs), waits, host behaviour changes
 * (honest, lying in out_len or status, racing the copy-out, flipping a request
 * back to IN_FLIGHT, answering late or never, slow, unavailable) and fault
 * plan changes, through the tdx-guest driver on each strategy, for a check
 * level, a completion mode and a request policy chosen per sequence. After
 * every step: the machine's invariants and page accounting (harness.ts), and
 * what the driver returned judged as a relying party would — nothing is
 * believed that should not be: v7.0 returns a quote that does not verify only
 * when the host did something v7.0 cannot see, a verified quote always
 * carries its own request's REPORTDATA, and errors are the kernel's.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import type { Machine, QuoteHostFaults, StrategySpec } from '@tdx-shbuf/core';
import { QUOTE_BUF_STATUS, parseQuote, toHex, verifyQuote } from '@tdx-shbuf/tdx-formats';
import { parseConfig } from '../../src/config/config-schema.js';
import { APP_DIR, bootTd, type Td } from '../../src/td.js';
import { checkMachine, count, RUNS, runModel, sequenceOf, share, strategyName, Totals, type Tally } from './harness.js';
import { CHECKS, STRATEGIES } from '../hostile-host/strategies.js';
import { faultPlanArb } from './strategy-model.js';
import { faultCmdArbs, FaultScript, isFaultCmd, type FaultCmd } from './fault-commands.js';

/** Host behaviours a step can switch to (one at a time, as the host's knobs for the following requests). */
const HOSTS = (room: number): Record<string, QuoteHostFaults> => ({
  honest: {},
  'out_len past the buffer': { lieOutLen: room + 1 },
  'out_len huge': { lieOutLen: 2 ** 32 - 1 },
  'out_len short': { lieOutLen: 100 },
  'status ERROR': { lieStatus: QUOTE_BUF_STATUS.ERROR },
  'status SUCCESS over a failure': { lieStatus: QUOTE_BUF_STATUS.SUCCESS, serviceUnavailable: true },
  'status IN_FLIGHT forever': { lieStatus: QUOTE_BUF_STATUS.IN_FLIGHT },
  'rewrite during copy-out': { rewriteDuringCopyOutRate: 1 },
  'flip to IN_FLIGHT early': { flipToInFlightRate: 1, flipToInFlightAfterNs: 5e5 },
  'flip to IN_FLIGHT late': { flipToInFlightRate: 1, flipToInFlightAfterNs: 2e9 },
  'answer after give-up': { lateCompletionRate: 1, lateCompletionNs: 12e9 },
  'never answers': { neverAnswers: true },
  slow: { extraLatencyNs: 1.5e9 },
  unavailable: { serviceUnavailable: true },
  'half the requests lie': { lieStatus: QUOTE_BUF_STATUS.ERROR, lieOutLen: room + 24, lieRate: 0.5, rewriteDuringCopyOutRate: 0.2 },
});
const HOST_NAMES = Object.keys(HOSTS(0));

/** Hosts under which a v7.0 driver may legitimately return bytes that do not verify: lies it cannot see. */
const UNDETECTABLE_BY_V7 = new Set(['out_len short', 'status SUCCESS over a failure', 'rewrite during copy-out', 'half the requests lie']);

export type DriverCmd = { op: 'quote'; cpu: number } | { op: 'burst'; n: number } | { op: 'badInblob'; len: number } | { op: 'wait'; ms: number } | { op: 'host'; host: number } | FaultCmd;

export const driverCmdArb: fc.Arbitrary<DriverCmd> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('quote' as const), cpu: fc.nat({ max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('burst' as const), n: fc.integer({ min: 2, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('badInblob' as const), len: fc.constantFrom(0, 63, 65) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(1, 500, 3000, 15_000) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('host' as const), host: fc.nat({ max: HOST_NAMES.length - 1 }) }) },
  ...faultCmdArbs,
);

/** The driver policy of one sequence (the check level is the test's). */
export const policyArb = fc.record({
  completion: fc.constantFrom('poll' as const, 'interrupt' as const),
  parallel: fc.boolean(),
  timeoutMs: fc.constantFrom(2000, 5000),
  bufferBytes: fc.constantFrom(8192, 131072),
});

export const driverInputArb: fc.Arbitrary<DriverInput> = fc.record({ policy: policyArb, faults: faultPlanArb, cmds: sequenceOf(driverCmdArb) });

const ERRORS = { 'v6.7': new Set(['EIO', 'EFAULT', 'ETIMEDOUT', 'EBUSY', 'ENOMEM']), 'v7.0': new Set(['EIO', 'EFBIG', 'ETIMEDOUT', 'EBUSY', 'ENOMEM']) };

export type DriverPolicy = { completion: 'poll' | 'interrupt'; parallel: boolean; timeoutMs: number; bufferBytes: number };
export interface DriverInput {
  policy: DriverPolicy;
  faults: Record<string, number>;
  cmds: DriverCmd[];
}

/** One driver sequence on strategy `spec` with `checks`; throws on the first broken property. */
export async function runDriverSequence(
  spec: StrategySpec,
  concurrent: boolean,
  checks: 'v6.7' | 'v7.0',
  input: DriverInput,
  tally: Tally,
  reboots = 0,
  judgeAs: 'v6.7' | 'v7.0' = checks,
): Promise<void> {
  const { policy, faults, cmds } = input;
  const requests = policy.parallel && concurrent ? 'parallel' : 'serialized';
  const config = parseConfig({
    strategy: spec,
    platform: { memoryBytes: 2 ** 30, vcpus: 4, faults },
    driver: { checks, completion: policy.completion, requests, timeoutMs: policy.timeoutMs, bufferBytes: policy.bufferBytes },
  });
  let td: Td;
  try {
    td = await bootTd(config, { configDir: APP_DIR });
  } catch (e) {
    // tdx_guest_init may fail under the fault plan (the init-time conversion refused): the driver does not load.
    if ((e as { code?: string }).code === 'driver-init' && reboots < 20) {
      count(tally, 'driver did not load');
      return runDriverSequence(spec, concurrent, checks, { ...input, faults: { ...faults, seed: ((faults.seed ?? 0) + 1) >>> 0 } }, tally, reboots + 1, judgeAs);
    }
    throw e;
  }
  const m = td.machine;
  const room = policy.bufferBytes - 24;
  const hosts = HOSTS(room);
  let hostName = 'honest';
  /** Whether v6.7's invariant-5 breaches were invited: the host lied about out_len past the buffer or raced the copy-out. */
  let invited5 = false;
  const faultScript = new FaultScript(m);
  let nextData = 1;

  const judgeOne = async (cpu: number, where: string) => {
    const id = nextData++;
    const data = Uint8Array.from({ length: 64 }, (_, i) => (id * 131 + i * 7) & 0xff);
    const host = hostName;
    const r = await td.driver.getQuote(data);
    if (!r.ok) {
      if (!ERRORS[judgeAs].has(r.error.code)) throw new Error(`${where}: request ${id} failed with ${r.error.code} (${r.error.message}), not an errno the ${judgeAs} driver returns`);
      count(tally, r.error.code);
      return;
    }
    const got = classify(r.value, data, td.rootCaPem);
    if (got === 'foreign') throw new Error(`${where}: request ${id} got a verified quote carrying another request's REPORTDATA`);
    if (judgeAs === 'v7.0' && got !== 'verified' && !UNDETECTABLE_BY_V7.has(host))
      throw new Error(`${where}: v7.0 returned ${got === 'empty' ? 'an empty quote' : 'a quote that does not verify'} with the host "${host}" (cpu ${cpu})`);
    count(tally, got);
  };

  const run = async <T>(fn: () => Promise<T>, cpu = 0): Promise<T> => (await m.sched.join([m.sched.spawn(`vcpu${cpu}`, 'vcpu', cpu, fn)]))[0] as T;
  const allowed = (v: Machine['violations'][number]) => judgeAs === 'v6.7' && invited5 && v.invariant === 5;

  for (const [i, c] of cmds.entries()) {
    const where = `step ${i} ${JSON.stringify(c)} (${checks}, ${policy.completion}, ${requests}, host "${hostName}")`;
    switch (c.op) {
      case 'quote':
        await run(() => judgeOne(c.cpu, where), c.cpu);
        break;
      case 'burst':
        await m.sched.join(Array.from({ length: c.n }, (_, k) => m.sched.spawn(`client${k}`, 'vcpu', k % 4, () => judgeOne(k % 4, where))));
        break;
      case 'badInblob': {
        const r = await run(() => td.driver.getQuote(new Uint8Array(c.len)));
        if (r.ok || (r.error.code !== 'EINVAL' && r.error.code !== 'EBUSY')) throw new Error(`${where}: a ${c.len}-byte inblob gave ${r.ok ? 'a quote' : r.error.code}`);
        break;
      }
      case 'wait':
        await run(() => m.sched.sleep(c.ms * 1e6));
        break;
      case 'host':
        hostName = HOST_NAMES[c.host]!;
        if (/out_len past|out_len huge|rewrite|half/.test(hostName)) invited5 = true;
        m.faults.quoteService(hosts[hostName]!);
        break;
      default:
        if (isFaultCmd(c)) faultScript.apply(c);
        break;
    }
    tally.steps++;
    checkMachine(m, where, allowed);
  }
  // Every host task finishes (late answers land, flips happen), then the driver unloads.
  faultScript.clear();
  m.faults.quoteService({});
  await run(() => m.sched.sleep(120e9));
  await m.sched.join([...m.host.quote.pending]);
  const last = await run(() => td.driver.getQuote(new Uint8Array(64).fill(0xee))); // reaps parked buffers the host let go
  const leakedBefore = m.counters.leakedPages;
  const shut = await run(() => td.driver.shutdown());
  // EIO: converting the strategy's own memory back failed (what it held is leaked, counted).
  if (!shut.ok && !(shut.error.code === 'EBUSY' || (shut.error.code === 'EIO' && m.counters.leakedPages > leakedBefore)))
    throw new Error(`driver shutdown failed with ${shut.error.code}: ${shut.error.message}`);
  // EBUSY only for buffers the host still holds at IN_FLIGHT (a flipped request): they stay allocated, never freed.
  if (!shut.ok && shut.error.code === 'EBUSY' && td.driver.parkedBuffers === 0) throw new Error(`driver shutdown said EBUSY with nothing parked: ${shut.error.message}`);
  count(tally, last.ok ? 'final quote' : `final ${last.error.code}`);
  count(tally, 'leaked pages', m.sinceBoot().leakedPages);
  checkMachine(m, 'shutdown', allowed);
}

/** verified (signature, chain, its own REPORTDATA), foreign (verified but another request's REPORTDATA), empty, or not verifiable. */
function classify(quote: Uint8Array, data: Uint8Array, rootPem: string): 'verified' | 'foreign' | 'empty' | 'not verifiable' {
  if (quote.length === 0) return 'empty';
  try {
    if (!verifyQuote(quote, { trustedRootPem: rootPem }).valid) return 'not verifiable';
    return toHex(parseQuote(quote).body.reportData) === toHex(data) ? 'verified' : 'foreign';
  } catch {
    return 'not verifiable';
  }
}

/**
 * Register the driver-level model tests of the strategies named: MODEL_RUNS
 * sequences per strategy, shared by its variants and both check levels.
 * (Two test files split the strategies so vitest runs them on two workers.)
 */
export function describeDriverModel(names: readonly string[]): void {
  const totals = new Totals();
  afterAll(() => totals.print('driver'));
  describe('model-based: driver sequences against a hostile host', () => {
    for (const s of STRATEGIES.filter((x) => names.includes(strategyName(x.spec)))) {
      const name = strategyName(s.spec);
      const parts = STRATEGIES.filter((x) => strategyName(x.spec) === name).flatMap((x) => CHECKS.map((c) => `${x.label} ${c}`));
      for (const checks of CHECKS) {
        const runs = share(RUNS, parts.length, parts.indexOf(`${s.label} ${checks}`));
        it(
          `${s.label}, ${checks} (${runs} sequences)`,
          async () => {
            totals.add(name, await runModel(`driver ${s.label} ${checks}`, driverInputArb, (input, tally) => runDriverSequence(s.spec, s.concurrent, checks, input, tally), runs));
          },
          60_000 + runs * 5_000,
        );
      }
    }
  });
}
