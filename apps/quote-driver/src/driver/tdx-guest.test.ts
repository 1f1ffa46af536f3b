import { describe, expect, it } from 'vitest';
import { ConfigError, KernelError, chargedNs, type QuoteHostFaults } from '@tdx-shbuf/core';
import { parseQuote, QUOTE_BUF_STATUS, toHex, verifyQuote } from '@tdx-shbuf/tdx-formats';
import { parseConfig, type ConfigInput } from '../config/config-schema.js';
import { APP_DIR, bootTd, type Td } from '../td.js';

const REPORT_DATA = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff);
const small = { memoryBytes: 4 * 2 ** 30, vcpus: 4 };

async function td(input: ConfigInput, faults?: QuoteHostFaults): Promise<Td> {
  const t = await bootTd(parseConfig({ ...input, platform: { ...small, ...input.platform } }), { configDir: APP_DIR });
  if (faults) t.machine.faults.quoteService(faults);
  return t;
}

/** One request through the driver on vCPU `cpu`; the error code or the quote. */
async function request(t: Td, data = REPORT_DATA, cpu = 0) {
  const r = await t.onVcpu(cpu, () => t.driver.getQuote(data));
  return r.ok ? { ok: true as const, quote: r.value } : { ok: false as const, code: r.error.code };
}

type Outcome = { ok: true; quote: Uint8Array } | { ok: false; code: string };

/**
 * Requests one after the other in ONE vCPU task, so they follow each other in
 * virtual time (a later onVcpu from the test would start only after every
 * host task has run). A number in `steps` sleeps that many ns instead.
 */
async function sequence(t: Td, ...steps: (number | Uint8Array | QuoteHostFaults)[]): Promise<Outcome[]> {
  return t.onVcpu(0, async () => {
    const out: Outcome[] = [];
    for (const step of steps) {
      if (typeof step === 'number') await t.machine.sched.sleep(step);
      else if (step instanceof Uint8Array) {
        const r = await t.driver.getQuote(step);
        out.push(r.ok ? { ok: true, quote: r.value } : { ok: false, code: r.error.code });
      } else t.machine.faults.quoteService(step);
    }
    return out;
  });
}

describe('each first-party strategy, chosen by config, yields a verifiable quote carrying the report data', () => {
  for (const strategy of ['direct-map', 'vmap-noalias', 'open-coded', 'dma-swiotlb', 'shared-pool'] as const) {
    it(strategy, async () => {
      const t = await td({ strategy });
      const r = await request(t);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(toHex(parseQuote(r.quote).body.reportData)).toBe(toHex(REPORT_DATA));
      const v = verifyQuote(r.quote, { trustedRootPem: t.rootCaPem });
      expect(v.failures).toEqual([]);
      expect(v).toMatchObject({ valid: true, quoteSignatureValid: true, qeReportSignatureValid: true, qeReportDataBindingValid: true, chainValid: true, chainLength: 3 });
      expect(t.machine.violations).toEqual([]);
      // polled once per second: the quote is seen at the first poll after ~4 ms of generation
      expect(t.driver.last!.latencyNs).toBeGreaterThan(1e9);
      expect(t.driver.last!.latencyNs).toBeLessThan(1.01e9);
    });
  }
});

describe('time by phase through the whole driver (docs/model.md §8)', () => {
  for (const [strategy, completion] of [
    [['direct-map', { convert: 'per-request' }], 'interrupt'],
    ['vmap-noalias', 'poll'],
    ['open-coded', 'interrupt'],
    [['dma-swiotlb', { mode: 'streaming' }], 'poll'],
    [['dma-swiotlb', { mode: 'atomic' }], 'interrupt'],
  ] as const) {
    it(`${JSON.stringify(strategy)}, ${completion}: the phase counters sum to the work on every task; the quote's generation and the polls are in none`, async () => {
      const t = await td({ strategy: strategy as ConfigInput['strategy'], driver: { completion } });
      const work0 = chargedNs(t.machine.counters);
      const out = await t.onVcpu(1, async () => [await t.driver.getQuote(REPORT_DATA), await t.driver.getQuote(REPORT_DATA)]);
      expect(out.every((r) => r.ok)).toBe(true);
      await t.machine.flushWork();
      const byClock = t.machine.sched.chargedByClock();
      expect(Math.abs(chargedNs(t.machine.counters) - byClock)).toBeLessThan(byClock * 1e-12);
      expect(t.machine.counters.nsTdvmcall).toBeGreaterThan(0); // GetQuote
      // two quotes took ≥ 2 × 4 ms (interrupt) or 2 s (polls); the guest's own work is far less
      expect(chargedNs(t.machine.counters) - work0).toBeLessThan(2 * t.machine.cost.quoteGenerationNs);
    });
  }
});

describe('errno paths of tdx_report_new()', () => {
  it('EINVAL unless the inblob is exactly 64 bytes', async () => {
    const t = await td({});
    expect(await request(t, new Uint8Array(63))).toEqual({ ok: false, code: 'EINVAL' });
    expect(await request(t, new Uint8Array(65))).toEqual({ ok: false, code: 'EINVAL' });
    expect((await request(t, new Uint8Array(64))).ok).toBe(true);
  });

  it('EBUSY while the single buffer is still IN_FLIGHT from a timed-out request; served again once the host finished', async () => {
    const t = await td({ driver: { timeoutMs: 5000 } }, { extraLatencyNs: 10e9 });
    let parkedAtEnd = -1;
    const [first, second, third] = await sequence(t, REPORT_DATA, REPORT_DATA, 6e9, {}, REPORT_DATA);
    parkedAtEnd = t.driver.parkedBuffers;
    // v7.0: the timed-out loop returns 0 (i == timeout + 1) and the status check sees IN_FLIGHT
    expect(first).toEqual({ ok: false, code: 'EIO' });
    expect(second).toEqual({ ok: false, code: 'EBUSY' });
    expect(third!.ok).toBe(true);
    expect(parkedAtEnd).toBe(0);
    expect(t.machine.violations).toEqual([]);
  });

  it("serialized requests have upstream's single quote buffer: EBUSY while it is in flight, whatever the strategy could allocate", async () => {
    // vmap-noalias could convert a fresh buffer per request (concurrent: true); the serialized driver does not ask
    const t = await td({ strategy: 'vmap-noalias', driver: { timeoutMs: 5000, requests: 'serialized' } }, { extraLatencyNs: 10e9 });
    const shared0 = t.machine.counters.pagesConvertedToShared;
    let sharedAfterBusy = -1;
    const out = await t.onVcpu(0, async () => {
      const a = await t.driver.getQuote(REPORT_DATA);
      const converted = t.machine.counters.pagesConvertedToShared;
      t.machine.faults.quoteService({});
      const b = await t.driver.getQuote(REPORT_DATA);
      sharedAfterBusy = t.machine.counters.pagesConvertedToShared - converted;
      await t.machine.sched.sleep(10e9);
      const c = await t.driver.getQuote(REPORT_DATA);
      return [a.ok || a.error.code, b.ok || b.error.code, c.ok];
    });
    expect(out).toEqual(['EIO', 'EBUSY', true]); // v7.0: the timed-out loop returns 0, the status check sees IN_FLIGHT
    expect(sharedAfterBusy).toBe(0); // no new shared buffer for the stuck request's successor
    expect(t.machine.counters.pagesConvertedToShared - shared0).toBe(2 * 2);
    expect(t.machine.violations).toEqual([]);
  });

  it('parallel requests on a concurrent strategy park the in-flight buffer (never freed) and serve the next from a fresh one', async () => {
    const t = await td({ strategy: 'dma-swiotlb', driver: { timeoutMs: 5000, requests: 'parallel' } }, { extraLatencyNs: 10e9 });
    let parked = -1;
    const out = await t.onVcpu(0, async () => {
      const a = await t.driver.getQuote(REPORT_DATA);
      t.machine.faults.quoteService({});
      const b = await t.driver.getQuote(REPORT_DATA);
      parked = t.driver.parkedBuffers;
      await t.machine.sched.sleep(10e9); // the late answer lands in the parked slot, not in a reused one
      const c = await t.driver.getQuote(REPORT_DATA);
      return [a.ok || a.error.code, b.ok, c.ok];
    });
    expect(out).toEqual(['EIO', true, true]);
    expect(parked).toBe(1);
    expect(t.driver.parkedBuffers).toBe(0);
    expect(t.machine.violations).toEqual([]);
  });

  it('EIO when the GetQuote hypercall fails (QEMU refuses a buffer above 128 KiB)', async () => {
    const t = await td({ strategy: 'direct-map', driver: { bufferBytes: 139264 } });
    expect(await request(t)).toEqual({ ok: false, code: 'EIO' });
  });

  it('v7.0: EIO when the host completes with status ≠ SUCCESS', async () => {
    const t = await td({ driver: { checks: 'v7.0' } }, { serviceUnavailable: true });
    expect(await request(t)).toEqual({ ok: false, code: 'EIO' });
  });

  it('v6.7: no status check — SERVICE_UNAVAILABLE comes back as a successful empty quote', async () => {
    const t = await td({ driver: { checks: 'v6.7' } }, { serviceUnavailable: true });
    expect(await request(t)).toEqual({ ok: true, quote: new Uint8Array(0) });
  });

  it('v7.0: EFBIG when the host-written out_len exceeds the buffer', async () => {
    const t = await td({ driver: { checks: 'v7.0' } }, { lieOutLen: 8192 - 23 });
    expect(await request(t)).toEqual({ ok: false, code: 'EFBIG' });
    expect(t.machine.violations).toEqual([]);
  });

  it('v7.0: an out_len that fits exactly is copied (bound check is exact)', async () => {
    const t = await td({ driver: { checks: 'v7.0' } }, { lieOutLen: 8192 - 24 });
    const r = await request(t);
    expect(r.ok && r.quote.length).toBe(8192 - 24);
  });

  it('v6.7: out_len is trusted — an overrun is an invariant-5 violation (an out-of-bounds read on hardware)', async () => {
    const t = await td({ driver: { checks: 'v6.7' } }, { lieOutLen: 100_000 });
    expect(await request(t)).toEqual({ ok: false, code: 'EFAULT' });
    expect(t.machine.violations.map((v) => v.invariant)).toEqual([5]);
  });

  it('a hostile status: v7.0 refuses ERROR-with-a-quote, v6.7 hands the quote over', async () => {
    const v7 = await td({ driver: { checks: 'v7.0' } }, { lieStatus: QUOTE_BUF_STATUS.ERROR });
    expect(await request(v7)).toEqual({ ok: false, code: 'EIO' });
    const v6 = await td({ driver: { checks: 'v6.7' } }, { lieStatus: QUOTE_BUF_STATUS.ERROR });
    const r = await request(v6);
    expect(r.ok && r.quote.length).toBeGreaterThan(1020);
  });
});

describe('timeouts: the off-by-one of v6.7, still in v7.0', () => {
  it('v6.7: a real timeout leaves the loop with i == timeout + 1 and returns 0 — an empty "successful" quote; the buffer stays in flight', async () => {
    const t = await td({ driver: { checks: 'v6.7', timeoutMs: 5000 } }, { extraLatencyNs: 10e9 });
    let waits = -1;
    let parked = -1;
    const out = await t.onVcpu(0, async () => {
      const a = await t.driver.getQuote(REPORT_DATA);
      waits = t.driver.last!.waits;
      parked = t.driver.parkedBuffers;
      const b = await t.driver.getQuote(REPORT_DATA);
      return [a.ok ? a.value.length : a.error.code, b.ok || b.error.code];
    });
    expect(out).toEqual([0, 'EBUSY']);
    expect(waits).toBe(5);
    expect(parked).toBe(1);
  });

  it('v6.7 with the stock 30 × 1 s: a host that leaves status IN_FLIGHT is not noticed — the buffer is copied as if done', async () => {
    const t = await td({ driver: { checks: 'v6.7' } }, { lieStatus: QUOTE_BUF_STATUS.IN_FLIGHT });
    const r = await request(t);
    expect(r.ok && r.quote.length).toBeGreaterThan(1020);
    expect(t.driver.last!.waits).toBe(30);
    expect(t.driver.parkedBuffers).toBe(1);
    const v7 = await td({ driver: { checks: 'v7.0' } }, { lieStatus: QUOTE_BUF_STATUS.IN_FLIGHT });
    expect(await request(v7)).toEqual({ ok: false, code: 'EIO' }); // the same loop, then status ≠ SUCCESS
    expect(v7.driver.last!.waits).toBe(30);
    expect(v7.driver.parkedBuffers).toBe(1);
  });

  it("v6.7: when the answer arrives exactly at the last poll (QEMU's own 30 s timeout), i == timeout gives -ETIMEDOUT", async () => {
    const t = await td({ driver: { checks: 'v6.7' } }, { neverAnswers: true });
    expect(await request(t)).toEqual({ ok: false, code: 'ETIMEDOUT' });
  });

  it('v7.0 keeps the off-by-one: a real timeout returns 0 from the loop and the status check makes it EIO; an answer at the last poll is ETIMEDOUT', async () => {
    const t = await td({ driver: { checks: 'v7.0', timeoutMs: 5000 } }, { extraLatencyNs: 10e9 });
    expect(await request(t)).toEqual({ ok: false, code: 'EIO' });
    expect(t.driver.last!.latencyNs).toBeGreaterThanOrEqual(5e9);
    expect(t.driver.last!.waits).toBe(5);
    const last = await td({ driver: { checks: 'v7.0' } }, { neverAnswers: true }); // QEMU writes ERROR at 30 s, the 30th poll sees it
    expect(await request(last)).toEqual({ ok: false, code: 'ETIMEDOUT' });
  });

  it('interrupt completion also times out with ETIMEDOUT', async () => {
    const t = await td({ driver: { completion: 'interrupt', timeoutMs: 2000 } }, { extraLatencyNs: 10e9 });
    expect(await request(t)).toEqual({ ok: false, code: 'ETIMEDOUT' });
    expect(t.driver.last!.latencyNs).toBeGreaterThanOrEqual(2e9);
    expect(t.driver.last!.latencyNs).toBeLessThan(2.01e9);
  });
});

describe('completion and request modes', () => {
  it('interrupt: done at generation time + the notify latency, not at the next 1 s poll', async () => {
    const t = await td({ driver: { completion: 'interrupt' } });
    const r = await request(t);
    expect(r.ok).toBe(true);
    const lat = t.driver.last!.latencyNs;
    expect(lat).toBeGreaterThan(t.machine.cost.quoteGenerationNs);
    expect(lat).toBeLessThan(t.machine.cost.quoteGenerationNs + 1e6);
    expect(t.machine.host.quote.eventNotifyVector).toBe(0xf3);
    expect(t.machine.interrupts.delivered).toBe(1);
  });

  it('poll interval is honoured: 250 ms polls finish at 250 ms', async () => {
    const t = await td({ driver: { pollIntervalMs: 250 } });
    expect((await request(t)).ok).toBe(true);
    expect(t.driver.last!.latencyNs).toBeGreaterThan(250e6);
    expect(t.driver.last!.latencyNs).toBeLessThan(251e6);
  });

  it('serialized: two requests at once run one after the other under the mutex', async () => {
    const t = await td({ strategy: 'dma-swiotlb', driver: { requests: 'serialized', completion: 'interrupt' } });
    const s = t.machine.sched;
    const ends = await s.join(
      [0, 1].map((cpu) =>
        s.spawn(`c${cpu}`, 'vcpu', cpu, async () => {
          const t0 = s.now();
          return (await t.driver.getQuote(REPORT_DATA)).ok ? s.now() - t0 : -1;
        }),
      ),
    );
    const gen = t.machine.cost.quoteGenerationNs;
    expect(Math.min(...ends)).toBeLessThan(gen * 1.5);
    expect(Math.max(...ends)).toBeGreaterThan(gen * 2);
  });

  it('parallel: four requests on four vCPUs overlap, each with its own buffer', async () => {
    const t = await td({ strategy: 'dma-swiotlb', driver: { requests: 'parallel', completion: 'interrupt' } });
    const s = t.machine.sched;
    const results = await s.join(
      [0, 1, 2, 3].map((cpu) =>
        s.spawn(`c${cpu}`, 'vcpu', cpu, async () => {
          const data = new Uint8Array(64).fill(cpu + 1);
          const t0 = s.now();
          const r = await t.driver.getQuote(data);
          return { at: s.now() - t0, quote: r.ok ? r.value : undefined, data };
        }),
      ),
    );
    for (const r of results) expect(toHex(parseQuote(r.quote!).body.reportData)).toBe(toHex(r.data));
    expect(Math.max(...results.map((r) => r.at))).toBeLessThan(t.machine.cost.quoteGenerationNs * 1.5);
    expect(t.machine.host.quote.stats.accepted).toBe(4);
    expect(t.machine.violations).toEqual([]);
  });

  it('refuses at load a strategy that cannot serve the policy, in one sentence', async () => {
    await expect(td({ strategy: 'direct-map', driver: { requests: 'parallel' } })).rejects.toThrow(/^strategy: Strategy "direct-map" cannot serve parallel requests: it declares concurrent: false/);
    await expect(td({ strategy: ['dma-swiotlb', { mode: 'streaming' }], driver: { bufferBytes: 266240 } })).rejects.toThrow(
      /^strategy: Strategy "dma-swiotlb" cannot serve 266240-byte buffers: it declares maxBytes 262144$/,
    );
    const e = await td({ strategy: 'direct-map', driver: { requests: 'parallel' } }).catch((x: unknown) => x);
    expect([e instanceof ConfigError, (e as ConfigError).code]).toEqual([true, 'capability']);
    await expect(td({ strategy: 'no-such-strategy' })).rejects.toBeInstanceOf(ConfigError);
    await expect(td({ strategy: ['direct-map', { convert: 'sometimes' }] })).rejects.toThrow(/^strategy: Could not load strategy "direct-map": options.convert: /);
  });
});

describe('configfs-tsm shaped API', () => {
  it('inblob is write-only (64 bytes max), outblob produces the quote, provider is tdx_guest, generation counts writes', async () => {
    const t = await td({ driver: { completion: 'interrupt' } });
    const report = t.createReport();
    expect(report.provider).toBe('tdx_guest');
    expect(report.generation).toBe(0);
    expect(() => (report.inblob = new Uint8Array(65))).toThrow(KernelError);
    report.inblob = REPORT_DATA;
    expect(report.generation).toBe(1);
    expect((report as unknown as Record<string, unknown>).inblob).toBeUndefined();
    const q1 = await report.outblob;
    expect(toHex(parseQuote(q1).body.reportData)).toBe(toHex(REPORT_DATA));
    expect(await report.outblob).toBe(q1); // no write since: the cached outblob
    expect(t.machine.host.quote.stats.accepted).toBe(1);
    const other = new Uint8Array(64).fill(9);
    report.inblob = other;
    expect(report.generation).toBe(2);
    expect(toHex(parseQuote(await report.outblob).body.reportData)).toBe(toHex(other));
  });

  it('a reader sees the generation move when another writer raced it', async () => {
    const t = await td({ driver: { completion: 'interrupt' } });
    const report = t.createReport();
    report.inblob = REPORT_DATA;
    const g = report.generation;
    const pending = report.outblob;
    report.inblob = new Uint8Array(64).fill(1); // another writer
    await pending;
    expect(report.generation).not.toBe(g);
  });

  it('a short inblob makes outblob fail with EINVAL', async () => {
    const t = await td({});
    const report = t.createReport();
    report.inblob = new Uint8Array(32);
    await expect(report.outblob).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
