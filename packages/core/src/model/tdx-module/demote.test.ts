import { describe, expect, it } from 'vitest';
import { testMachine } from '../test-machine.js';
import { GiB, MiB, PAGES_2M, PAGE_SIZE } from '../../abi/units.js';

const G = GiB / PAGE_SIZE;

/** Convert [pa, pa + bytes) to shared with MapGPA and return the counter deltas. */
function toShared(m: ReturnType<typeof testMachine>, pa: number, bytes: number) {
  const c0 = { ...m.counters };
  const t0 = m.sched.now();
  expect(m.kernel.tdxMapGpa(pa, pa + bytes, false)).toBe(true);
  const d = (k: keyof typeof c0) => m.counters[k] - c0[k];
  return { demotes: d('septDemotes'), kicks: d('tlbEpochKicks'), removes: d('septRemoves'), blocks: d('septBlocks'), host: d('nsHost'), ns: m.sched.now() - t0 };
}

describe('TDH.MEM.PAGE.DEMOTE before a partial conversion of a huge private leaf (docs/model.md §5; KVM TDX huge-page series)', () => {
  it('host maps private memory at 2M: converting one 4K page demotes its 2M leaf first (BLOCK, TRACK + kick, DEMOTE)', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 4, hostPrivateMapLevel: '2m' });
    const pfn = G / 2 + 7; // below 4 GiB: TDVF accepted it at 2M
    expect(m.tdx.leafLevel(pfn)).toBe(1);
    const d = toShared(m, pfn * PAGE_SIZE, PAGE_SIZE);
    expect(d.demotes).toBe(1);
    expect(d.removes).toBe(1);
    expect(d.blocks).toBe(1 + 1); // the DEMOTE's BLOCK of the 2M leaf, then the page's own
    expect(d.kicks).toBe(4 + 4); // TRACK before DEMOTE, TRACK before REMOVE: every vCPU each time
    // Time: the DEMOTE's SEAMCALLs plus its TRACK kicking the 3 other vCPUs, as a teardown's TRACK does:
    // demote 10000 + 3 × 2150 = 16450; teardown 17500 + 3 × 2150 = 23950; both 'host'; the exit 4000 'mapGpa'.
    const c = m.cost;
    const kicks = 3 * c.hostTrackKickPerVcpuNs;
    expect(d.host).toBe(c.hostDemoteNs + kicks + c.hostSeptRemovePer4kNs + kicks);
    expect(d.host).toBe(40_400);
    expect(d.ns).toBe(c.tdvmcallRoundTripNs + d.host);
    // the rest of the 2M range stays private at 4K; a second page of it needs no DEMOTE
    expect(m.tdx.leafLevel(pfn + 1)).toBe(0);
    expect(toShared(m, (pfn + 1) * PAGE_SIZE, PAGE_SIZE).demotes).toBe(0);
  });

  it('a conversion that covers the whole 2M leaf removes it at its own level: no DEMOTE', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, hostPrivateMapLevel: '2m' });
    const pa = GiB / 2;
    expect(toShared(m, pa, 2 * MiB).demotes).toBe(0);
  });

  it('a range straddling two 2M leaves demotes both', () => {
    const m = testMachine({ memoryBytes: 4 * GiB, hostPrivateMapLevel: '2m' });
    const pa = GiB / 2 + 2 * MiB - PAGE_SIZE;
    expect(toShared(m, pa, 2 * PAGE_SIZE).demotes).toBe(2);
  });

  it('a 1G leaf (guest accepted 1G) is demoted to 2M, then the 2M leaf to 4K', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, hostPrivateMapLevel: '1g', unacceptedMemory: false });
    const pa = 10 * GiB;
    // make a 1G leaf: convert the whole GiB away and back, accepting it at 1G (try_accept_one)
    expect(m.kernel.tdxMapGpa(pa, pa + GiB, false)).toBe(true);
    expect(m.kernel.tdxMapGpa(pa, pa + GiB, true)).toBe(true);
    expect(m.kernel.tdxAcceptMemory(pa, pa + GiB)).toBe(true);
    expect(m.tdx.leafLevel(pa / PAGE_SIZE)).toBe(2);
    expect(toShared(m, pa + 4 * MiB, PAGE_SIZE).demotes).toBe(2);
    expect(m.tdx.leafLevel(pa / PAGE_SIZE)).toBe(1);
    expect(m.tdx.leafLevel(pa / PAGE_SIZE + 2 * PAGES_2M)).toBe(0);
  });

  it('upstream KVM maps private memory at 4K only: never a DEMOTE', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    expect(m.tdx.leafLevel(G / 2)).toBe(0);
    expect(toShared(m, GiB / 2 + PAGE_SIZE, PAGE_SIZE).demotes).toBe(0);
  });
});
