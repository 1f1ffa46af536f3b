import { describe, expect, it } from 'vitest';
import { testMachine, type TestMachine } from '../test-machine.js';
import { tdxAcceptMemory } from '../guest/coco/tdx.js';
import { GiB, MiB, PAGE_SIZE, PAGES_2M } from '../../abi/units.js';
import { TDX_STATUS, type AcceptLevel } from '../../abi/tdcall.js';
import { PageState } from '../memory/phys-mem.js';

/** tdx_accept_memory() as a loop of single TDCALLs (try_accept_one: 1G, then 2M, then 4K), the reference the run shortcut must match. */
function acceptPageByPage(m: TestMachine, start: number, end: number): boolean {
  const sizes: [AcceptLevel, number][] = [
    ['1g', GiB],
    ['2m', 2 * MiB],
    ['4k', PAGE_SIZE],
  ];
  while (start < end) {
    let done = 0;
    for (const [level, size] of sizes) {
      if (start % size !== 0 || end - start < size) continue;
      if (m.guest.tdcall.memPageAccept(start, level) === TDX_STATUS.SUCCESS) {
        done = size;
        break;
      }
    }
    if (!done) return false;
    start += done;
  }
  return true;
}

/** A machine with fractional costs, a fractional clock, a page the host is handing back (with accept faults armed) and an accepted page inside pending memory. */
function rig(): { m: TestMachine; pfn: number } {
  const m = testMachine({
    memoryBytes: 16 * GiB,
    cost: { acceptPer4kNs: 2500.3, hostAugPer4kNs: 7.77, acceptTdcallNs: 0.1, tdcallNs: 130.7 },
    faults: { seed: 5, acceptFailRate: 0.5 },
  });
  m.sched.charge(0.3, 'other');
  // the last 2 MiB unit of RAM, still unaccepted after boot
  const pfn = m.mem.maxPfn - 4 * PAGES_2M;
  expect(m.mem.state(pfn)).toBe(PageState.PrivatePending);
  // page +700: shared and back, so the host is handing it back (the fault plan may refuse its accept)
  const gpa = (pfn + 700) * PAGE_SIZE;
  m.vmm.mapGpa(gpa + m.sharedBit, PAGE_SIZE);
  m.vmm.mapGpa(gpa, PAGE_SIZE);
  // page +1500: accepted already, so a later accept of it fails
  expect(m.guest.tdcall.memPageAccept((pfn + 1500) * PAGE_SIZE, '4k')).toBe(TDX_STATUS.SUCCESS);
  return { m, pfn };
}

describe('TDG.MEM.PAGE.ACCEPT runs (the 4K accepts between 2 MiB boundaries as one step)', () => {
  it('give the same outcome, page states, counters and clocks, bit for bit, as the single calls', () => {
    const a = rig();
    const b = rig();
    for (const [from, to] of [
      [3, 1200], // crosses a 2 MiB boundary and the page being handed back
      [1200, 1499], // ends before the accepted page
      [1499, 2048], // runs into the accepted page: fails there
      [1501, 2048],
    ] as const) {
      const s = (a.pfn + from) * PAGE_SIZE;
      const e = (a.pfn + to) * PAGE_SIZE;
      const viaRuns = tdxAcceptMemory(a.m.guest, s, e);
      const single = acceptPageByPage(b.m, s, e);
      expect(viaRuns, `[${from}, ${to})`).toBe(single);
      expect(a.m.counters).toEqual(b.m.counters);
      expect(a.m.sched.now()).toBe(b.m.sched.now());
      expect(a.m.sched.chargedByClock()).toBe(b.m.sched.chargedByClock());
      for (let p = a.pfn; p < a.pfn + 2048; p++) if (a.m.mem.get(p) !== b.m.mem.get(p)) expect.fail(`page +${p - a.pfn} differs`);
      for (let p = a.pfn; p < a.pfn + 2048; p++) if (a.m.tdx.leafLevel(p) !== b.m.tdx.leafLevel(p)) expect.fail(`leaf level of page +${p - a.pfn} differs`);
    }
    expect(a.m.counters.accepts4k - a.m.bootCounters.accepts4k).toBeGreaterThan(1000);
    // the handed-back page went through the fault plan in both
    expect(a.m.mem.state(a.pfn + 700)).toBe(b.m.mem.state(b.pfn + 700));
  });
});
