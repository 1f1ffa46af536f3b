import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { GiB, PAGE_SIZE } from '../../../abi/units.js';

const PAGES_16G = (16 * GiB) / PAGE_SIZE;

describe('fragmentation is priced over a horizon (docs/model.md §8: 4K vs 1G direct map, 0.5–0.9 %)', () => {
  it('nothing split since boot costs nothing', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    expect(m.machine.fragmentation()).toEqual({ horizonS: 60, lossFraction: 0, costNs: 0 });
  });

  it('one 2M split: 512 pages move to 4K; the loss is 0.7 % of their share of RAM, over 60 s on 8 vCPUs', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, vcpus: 8 });
    const pfn = m.pages.allocPages(0)!;
    const t0 = m.sched.now();
    expect(m.kernel.setMemoryDecrypted(m.pageAddress(pfn), 1).ok).toBe(true);
    const f = m.machine.fragmentation();
    // 0.007 × 512 / 4194304 mapped pages = 8.544921875e-7; × 60 s × 8 vCPUs = 410 156.25 ns
    expect(m.directMap.meminfo().DirectMap4k - m.bootDirectMapPages[0]! * 4).toBe(2048);
    expect(f.lossFraction).toBeCloseTo((0.007 * 512) / PAGES_16G, 15);
    expect(f.costNs).toBeCloseTo(410_156.25, 3);
    // a figure of its own: asking for it charges nobody's time
    expect(m.sched.now() - t0).toBeGreaterThan(0);
    const t1 = m.sched.now();
    m.machine.fragmentation();
    expect(m.sched.now()).toBe(t1);
  });

  it('a 1G split costs nothing by default (2M vs 1G: no consistent difference); the 2M parameter prices it', () => {
    const take = (over: object) => {
      const m = testMachine({ memoryBytes: 16 * GiB, unacceptedMemory: false, ...over });
      const id = m.pages.allocContigRange((10 * GiB) / PAGE_SIZE, 512);
      expect(id).toBeDefined();
      expect(m.kernel.setMemoryDecrypted(m.pageAddress((10 * GiB) / PAGE_SIZE), 512).ok).toBe(true); // a whole 2M: one 1G split only
      expect(m.counters.directMapLevel3Splits - m.bootCounters.directMapLevel3Splits).toBe(1);
      return m.machine.fragmentation();
    };
    expect(take({}).costNs).toBe(0);
    // 1 GiB moved to 2M (the decrypted 2M stays a 2M page) at 0.1 %, over 10 s on 1 vCPU, half busy:
    // 0.001 × 262144 / 4194304 × 10 s × 0.5 = 312 500 ns
    const f = take({ vcpus: 1, cost: { directMap2mThroughputLoss: 0.001 }, fragmentation: { horizonS: 10, busyVcpuShare: 0.5 } });
    expect(f.costNs).toBeCloseTo(312_500, 3);
  });
});
