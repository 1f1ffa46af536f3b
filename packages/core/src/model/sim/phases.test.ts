import { describe, expect, it } from 'vitest';
import { testMachine } from '../test-machine.js';
import { GiB, KiB, PAGE_SIZE } from '../../abi/units.js';
import { chargedNs, newCounters, PHASE_COUNTERS } from './metrics.js';
import { addToPhase } from './sim.js';
import type { Phase } from './scheduler.js';

describe('time by phase: the phase counters sum to the work charged to every task (docs/model.md §8)', () => {
  it('after conversions both ways, DMA bounces and pool growth on a kworker, an interrupt, host calls and sleeps', async () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
    const k = m.kernel;
    await m.sched.join([
      m.sched.spawn('driver', 'vcpu', 1, async () => {
        const pfn = m.pages.allocPages(1)!;
        const kva = m.pageAddress(pfn);
        expect(k.setMemoryDecrypted(kva, 2).ok).toBe(true); // split, flushes, cache flush, MapGPA, SEPT teardown
        expect(k.setMemoryEncrypted(kva, 2).ok).toBe(true); // MapGPA, shared-EPT zap, accept
        const v = k.vmap([pfn, pfn + 1], 'decrypted');
        if (!v.ok) throw v.error;
        expect(k.setMemoryDecryptedNoalias(v.value, 2).ok).toBe(true);
        expect(k.setMemoryEncryptedNoalias(v.value, 2).ok).toBe(true);
        k.vunmap(v.value);
        const d = k.dma.mapSingle(kva, 8 * KiB, 'bidirectional'); // a bounce each way
        if (!d.ok) throw d.error;
        expect(k.dma.unmapSingle(d.value, 8 * KiB, 'bidirectional').ok).toBe(true);
        for (let i = 0; i < 3; i++) expect(k.dma.allocCoherent(8 * KiB, { blocking: false }).ok).toBe(true); // queues atomic_pool_work
        k.tdxMcallGetReport0(new Uint8Array(64));
        k.tdvmcallGetQuote(m.sharedBit + 10 * GiB, PAGE_SIZE); // refused by QEMU: a TDVMCALL all the same
        let fired = false;
        expect(
          k.requestIrq(0x40, () => {
            fired = true;
          }).ok,
        ).toBe(true);
        m.irqs.inject(0x40, 1);
        await m.sched.sleep(1e6);
        expect(fired).toBe(true);
      }),
    ]);
    await m.machine.flushWork();
    for (const c of Object.values(PHASE_COUNTERS)) expect(m.counters[c], c).toBeGreaterThanOrEqual(0);
    expect(m.counters.nsHost).toBeGreaterThan(0);
    expect(m.counters.nsTdvmcall).toBeGreaterThan(0);
    expect(m.counters.atomicPoolExpansions - m.bootCounters.atomicPoolExpansions).toBe(1);
    // the kworker's order-9 growth first accepted an unaccepted block: that time is in nsAccept too
    const since = (k: 'acceptMemoryBlocks' | 'lazyAcceptNs' | 'nsAccept') => m.counters[k] - m.bootCounters[k];
    expect(since('acceptMemoryBlocks')).toBe(1);
    expect(since('lazyAcceptNs')).toBeGreaterThan(0);
    expect(since('nsAccept')).toBeGreaterThanOrEqual(since('lazyAcceptNs'));
    const byClock = m.sched.chargedByClock();
    const byPhase = chargedNs(m.counters);
    // the same sums in a different order: equal up to floating-point rounding
    expect(Math.abs(byPhase - byClock)).toBeLessThan(byClock * 1e-12);
    // a sleep is a wait, not work: it moves the clock and neither sum
    await m.sched.sleep(1e9);
    expect([m.sched.chargedByClock(), chargedNs(m.counters)]).toEqual([byClock, byPhase]);
  });

  it('each phase is added to the counter PHASE_COUNTERS names for it, and to no other', () => {
    for (const [phase, counter] of Object.entries(PHASE_COUNTERS)) {
      const c = newCounters();
      addToPhase(c, 7, phase as Phase);
      const changed = Object.entries(c).filter(([, v]) => v !== 0);
      expect(changed, phase).toEqual([[counter, 7]]);
    }
  });
});
