import { describe, expect, it } from 'vitest';
import { testMachine } from './test-machine.js';
import { GiB, MiB, PAGE_SIZE } from '../abi/units.js';
import { Owner } from './memory/phys-mem.js';

describe('boot', () => {
  it('boots a 16 GiB guest with the q35 layout, SWIOTLB decrypted, and no violations', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
    expect(m.ram.map((r) => [r.startPfn * PAGE_SIZE, r.endPfn * PAGE_SIZE])).toEqual([
      [0, 2 * GiB],
      [4 * GiB, 18 * GiB],
    ]);
    expect(m.inv.violations).toEqual([]);
    expect(m.swiotlb.bytes).toBe(1 * GiB);
    expect(m.counters.sharedPages).toBeGreaterThanOrEqual(GiB / PAGE_SIZE);
    expect(m.mem.pagesByOwner[Owner.Free]).toBe(m.pages.freePageCount);
    const k = m.kernel;
    const p = k.allocPages(0);
    expect(p.ok).toBe(true);
    void MiB;
  });
});

describe('faults and trace', () => {
  it('a seeded fault plan reproduces: the same seed gives the same RETRYs, failures and ENOMEMs', () => {
    const run = (seed: number) => {
      const m = testMachine({ memoryBytes: 4 * GiB, faults: { seed, mapGpaInterruptRate: 0.3, mapGpaFailRate: 0.1, enomemRate: 0.2 } });
      const k = m.kernel;
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const p = k.allocPages(1);
        if (!p.ok) {
          out.push('ENOMEM');
          continue;
        }
        const r = k.setMemoryDecrypted(m.pageAddress(p.value), 2);
        out.push(r.ok ? 'ok' : r.error.code);
      }
      return { out, retries: m.sinceBoot().mapGpaRetries };
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(a.out).toContain('ENOMEM');
    expect(a.out).toContain('EIO');
    expect(a.out).toContain('ok');
    expect(run(8).out).not.toEqual(a.out);
  });

  it('an interrupt pending between MapGPA chunks makes the guest resume from r11 until done', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, faults: { mapGpaInterruptRate: 1 } });
    const k = m.kernel;
    expect(k.tdxMapGpa(10 * GiB, 10 * GiB + 8 * MiB, false)).toBe(true);
    expect(m.sinceBoot().mapGpaRetries).toBe(3);
    expect(m.sinceBoot().mapGpaCalls).toBe(4);
  });

  it('an accept that never completes fails the conversion back to private, and the caller can leak', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, faults: { acceptFailRate: 1 } });
    const k = m.kernel;
    const p = m.pages.allocPages(0)!;
    expect(k.setMemoryDecrypted(m.pageAddress(p), 1).ok).toBe(true);
    const r = k.setMemoryEncrypted(m.pageAddress(p), 1);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('EIO');
  });

  it('records a Chrome trace with one track per vCPU and one for the host when asked, and nothing otherwise', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 2, trace: true });
    const k = m.kernel;
    const p = m.pages.allocPages(0)!;
    const before = m.trace!.events.length;
    expect(k.setMemoryDecrypted(m.pageAddress(p), 1).ok).toBe(true);
    const ev = m.trace!.events.slice(before);
    expect(ev.map((e) => e.name)).toEqual(['MapGPA chunk: SEPT teardown', 'tdx_map_gpa', 'set_memory_decrypted']);
    const outer = ev[2]!;
    expect(outer.dur).toBeGreaterThan(ev[1]!.dur!);
    expect(ev[0]!.tid).toBe(10_000);
    const json = m.trace!.toJSON(2);
    expect(json.traceEvents.filter((e) => e.ph === 'M').map((e) => e.args!.name)).toEqual(['tdx-shbuf model', 'vCPU 0', 'vCPU 1', 'host (KVM/QEMU/QGS)']);
    expect(testMachine({ memoryBytes: 4 * GiB }).trace).toBeUndefined();
  });
});

describe('quote-service faults from configuration', () => {
  it('platform.faults.quoteService reaches the GetQuote host', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, faults: { quoteService: { neverAnswers: true, lieStatus: 'SUCCESS', padQuoteTo: 5006, rewriteDuringCopyOutRate: 0.25 } } });
    expect(m.quoteHost.faults).toEqual({
      serviceConfigured: true,
      serviceUnavailable: false,
      extraLatencyNs: 0,
      neverAnswers: true,
      padQuoteTo: 5006,
      lieStatus: 0n,
      lieRate: 1,
      rewriteDuringCopyOutRate: 0.25,
      flipToInFlightRate: 0,
      flipToInFlightAfterNs: 1e6,
      lateCompletionRate: 0,
      lateCompletionNs: 60e9,
    });
    expect(testMachine({ memoryBytes: 4 * GiB }).quoteHost.faults.neverAnswers).toBe(false);
  });
});

describe('shared memory over time', () => {
  it('integrates shared pages over virtual time (for the mean shared bytes of a run)', async () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const base = m.counters.sharedPages;
    const t0 = m.sched.now();
    const i0 = m.mem.sharedPageNs(t0);
    const p = m.pages.allocPages(2)!; // 4 pages
    expect(k.setMemoryDecrypted(m.pageAddress(p), 4).ok).toBe(true);
    const t1 = m.sched.now();
    await m.sched.sleep(1_000_000);
    expect(k.setMemoryEncrypted(m.pageAddress(p), 4).ok).toBe(true);
    const t2 = m.sched.now();
    const extra = m.mem.sharedPageNs(t2) - i0 - base * (t2 - t0);
    // 4 extra pages from (about) t1 to (about) t2
    expect(extra).toBeGreaterThanOrEqual(4 * 1_000_000);
    expect(extra).toBeLessThanOrEqual(4 * (t2 - t0));
    void t1;
  });
});
