/**
 * The hostile host, named (issue 13 item 8): for each strategy and both check
 * levels, what the kernel does when QEMU's side of GetQuote lies, races the
 * guest, flips a finished request back to IN_FLIGHT or answers after the guest
 * gave up, and when more than 16 requests are in flight. Each `it` asserts the
 * errno the kernel returns (drivers/virt/coco/tdx-guest/tdx-guest.c, docs/model.md §6),
 * what is leaked and the exact invariant violations (none, or the one v6.7 breaks).
 */
import { describe, expect, it } from 'vitest';
import { QUOTE_BUF_STATUS } from '@tdx-shbuf/tdx-formats';
import { bootCase, CHECKS, expectAccounted, REPORT_DATA, script, STRATEGIES, violationsOf } from './strategies.js';

const each = (name: string, fn: (s: (typeof STRATEGIES)[number], checks: (typeof CHECKS)[number]) => Promise<void>) => {
  describe(name, () => {
    for (const s of STRATEGIES) for (const checks of CHECKS) it(`${s.label}, ${checks}`, () => fn(s, checks));
  });
};

type Requests = 'serialized' | 'parallel';
/**
 * Scenarios where a buffer stays with the host: serialized requests keep upstream's one quote
 * buffer (-EBUSY while the host holds it, whatever the strategy); parallel requests on a
 * concurrent strategy go on from a fresh buffer.
 */
const eachPolicy = (name: string, fn: (s: (typeof STRATEGIES)[number], checks: (typeof CHECKS)[number], requests: Requests) => Promise<void>) => {
  describe(name, () => {
    for (const s of STRATEGIES) {
      for (const requests of s.concurrent ? (['serialized', 'parallel'] as const) : (['serialized'] as const)) {
        for (const checks of CHECKS) it(`${s.label}, ${requests}, ${checks}`, () => fn(s, checks, requests));
      }
    }
  });
};

each('out_len past the buffer: v7.0 refuses it (EFBIG); v6.7 trusts it — kvmemdup reads past the buffer (invariant 5)', async (s, checks) => {
  const t = await bootCase(s, checks);
  expect(await script(t, { lieOutLen: 100_000 }, 'q', {}, 'q')).toEqual([checks === 'v7.0' ? 'EFBIG' : 'EFAULT', 'verified']);
  expect(violationsOf(t.machine)).toEqual(checks === 'v7.0' ? [] : [5]);
  expect(t.driver.parkedBuffers).toBe(0);
  expectAccounted(t.machine);
});

each('status ERROR over a good quote: v7.0 believes the status (EIO); v6.7 never looks and hands over the quote, which is genuine', async (s, checks) => {
  const t = await bootCase(s, checks);
  expect(await script(t, { lieStatus: QUOTE_BUF_STATUS.ERROR }, 'q')).toEqual([checks === 'v7.0' ? 'EIO' : 'verified']);
  expect(violationsOf(t.machine)).toEqual([]);
  expectAccounted(t.machine);
});

each('SERVICE_UNAVAILABLE with no quote: v7.0 EIO; v6.7 returns an empty "successful" quote', async (s, checks) => {
  const t = await bootCase(s, checks);
  expect(await script(t, { serviceUnavailable: true }, 'q')).toEqual([checks === 'v7.0' ? 'EIO' : 'empty']);
  expect(violationsOf(t.machine)).toEqual([]);
});

each(
  'a host rewriting the buffer during copy-out (double fetch): v7.0 reads out_len once and returns what it copied, which no longer verifies; v6.7 fetches out_len twice (invariant 5)',
  async (s, checks) => {
    const t = await bootCase(s, checks);
    expect(await script(t, { rewriteDuringCopyOutRate: 1 }, 'q', {}, 'q')).toEqual([checks === 'v7.0' ? 'not verifiable' : 'EFAULT', 'verified']);
    expect(violationsOf(t.machine)).toEqual(checks === 'v7.0' ? [] : [5]);
    expect(t.machine.host.quote.stats.hostile).toBe(1);
    expectAccounted(t.machine);
  },
);

eachPolicy(
  "a request flipped back to IN_FLIGHT before a polling guest looked: the loop times out (i == 31 → 0); v6.7 copies the quote anyway, v7.0 sees IN_FLIGHT (EIO); the buffer stays the host's",
  async (s, checks, requests) => {
    const t = await bootCase(s, checks, { driver: { requests } });
    const out = await script(t, { flipToInFlightRate: 1, flipToInFlightAfterNs: 1e6 }, 'q', {}, 'q');
    expect(out).toEqual([checks === 'v7.0' ? 'EIO' : 'verified', requests === 'serialized' ? 'EBUSY' : 'verified']);
    expect(t.driver.parkedBuffers).toBe(1); // never freed while it reads IN_FLIGHT (invariant 4)
    expect(violationsOf(t.machine)).toEqual([]);
    expectAccounted(t.machine);
  },
);

eachPolicy(
  'a request flipped back to IN_FLIGHT after an interrupt-driven guest copied it: a buffer that stays shared and comes back reads IN_FLIGHT (EBUSY, held); one made private again never sees the write',
  async (s, checks, requests) => {
    const t = await bootCase(s, checks, { driver: { completion: 'interrupt', requests } });
    const out = await script(t, { flipToInFlightRate: 1, flipToInFlightAfterNs: 1e6 }, 'q', {}, 10e6, 'q', 'q');
    const third = !s.reusesBuffer ? 'verified' : requests === 'serialized' ? 'EBUSY' : 'verified';
    expect(out).toEqual(['verified', s.reusesBuffer ? 'EBUSY' : 'verified', third]);
    expect(t.driver.parkedBuffers).toBe(s.reusesBuffer ? 1 : 0);
    expect(violationsOf(t.machine)).toEqual([]);
    expectAccounted(t.machine);
  },
);

eachPolicy(
  "an answer after the guest gave up (held 60 s past QEMU's 30 s timeout): poll — v6.7 an empty quote, v7.0 EIO; the late write lands in the held buffer, never in freed memory",
  async (s, checks, requests) => {
    const t = await bootCase(s, checks, { driver: { requests } });
    const out = await script(t, { lateCompletionRate: 1, lateCompletionNs: 60e9 }, 'q', {}, 'q', 40e9, 'q');
    expect(out).toEqual([checks === 'v7.0' ? 'EIO' : 'empty', requests === 'serialized' ? 'EBUSY' : 'verified', 'verified']);
    expect(t.driver.parkedBuffers).toBe(0); // reaped by the last request, after the late answer
    expect(violationsOf(t.machine)).toEqual([]);
    expectAccounted(t.machine);
  },
);

eachPolicy('an answer after the guest gave up, interrupt completion: ETIMEDOUT at both levels; the buffer is held until the answer', async (s, checks, requests) => {
  const t = await bootCase(s, checks, { driver: { completion: 'interrupt', timeoutMs: 5000, requests } });
  const out = await script(t, { lateCompletionRate: 1, lateCompletionNs: 10e9 }, 'q', {}, 'q', 10e9, 'q');
  expect(out).toEqual(['ETIMEDOUT', requests === 'serialized' ? 'EBUSY' : 'verified', 'verified']);
  expect(violationsOf(t.machine)).toEqual([]);
  expectAccounted(t.machine);
});

each('a QGS that never answers: QEMU writes ERROR at its 30 s timeout, seen at the 30th poll — i == timeout, ETIMEDOUT at both levels; the buffer is free again', async (s, checks) => {
  const t = await bootCase(s, checks);
  expect(await script(t, { neverAnswers: true }, 'q', {}, 'q')).toEqual(['ETIMEDOUT', 'verified']);
  expect(t.driver.parkedBuffers).toBe(0);
  expect(violationsOf(t.machine)).toEqual([]);
});

describe('more than 16 requests in flight: QEMU answers RETRY and tdx_hcall_get_quote() fails the request (EIO)', () => {
  for (const s of STRATEGIES) {
    for (const checks of CHECKS) {
      it(`${s.label}, ${checks}`, async () => {
        const requests = s.concurrent ? 'parallel' : 'serialized';
        const t = await bootCase(s, checks, { driver: { requests, completion: 'interrupt' } });
        const sched = t.machine.sched;
        const res = await sched.join(Array.from({ length: 20 }, (_, i) => sched.spawn(`client${i}`, 'vcpu', i % 4, async () => t.driver.getQuote(REPORT_DATA))));
        const codes = res.map((r) => (r.ok ? 'ok' : r.error.code)).sort();
        // upstream's one buffer under quote_lock never has more than one in flight
        expect(codes).toEqual(s.concurrent ? [...Array(4).fill('EIO'), ...Array(16).fill('ok')] : Array(20).fill('ok'));
        expect(t.machine.host.quote.stats.retries).toBe(s.concurrent ? 4 : 0);
        expect(violationsOf(t.machine)).toEqual([]);
        expectAccounted(t.machine);
      });
    }
  }
});
