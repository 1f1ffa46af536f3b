import { describe, expect, it } from 'vitest';
import { UNACCEPTED_UNIT_PAGES, UnacceptedMemory, initiallyUnaccepted } from './unaccepted-memory.js';
import { newCounters } from '../../sim/metrics.js';
import { Scheduler } from '../../sim/scheduler.js';
import { testMachine } from '../../test-machine.js';
import { GiB, MiB, PAGE_SIZE } from '../../../abi/units.js';
import { PageState } from '../../memory/phys-mem.js';

const U = UNACCEPTED_UNIT_PAGES;
const G = GiB / PAGE_SIZE;

/** A bitmap over [4 GiB, 4 GiB + 64 MiB) whose arch_accept_memory() only records its calls. */
function bitmap() {
  const calls: [number, number][] = [];
  const counters = newCounters();
  const u = new UnacceptedMemory(5 * G, [{ startPfn: 4 * G, endPfn: 4 * G + 32 * U }], counters, new Scheduler(), (s, e) => void calls.push([s, e]));
  return { u, calls, counters };
}

describe('the EFI unaccepted-memory bitmap (docs/model.md §3; drivers/firmware/efi/unaccepted_memory.c)', () => {
  it('unit_size is 2 MiB (the EFI stub uses PMD_SIZE)', () => {
    expect(UNACCEPTED_UNIT_PAGES * PAGE_SIZE).toBe(2 * MiB);
  });

  it('accept_memory() of a unit-aligned end also accepts the next unit, for load_unaligned_zeropad()', () => {
    const { u, calls, counters } = bitmap();
    // one MAX_PAGE_ORDER block (2 units): end is unit-aligned → end += unit_size
    expect(u.acceptMemory(4 * G, 4 * G + 2 * U)).toBe(3);
    expect(calls).toEqual([[4 * G, 4 * G + 3 * U]]);
    // the next block: its first unit is already clear; only its second and the next guard unit remain
    expect(u.acceptMemory(4 * G + 2 * U, 4 * G + 4 * U)).toBe(2);
    expect(calls[1]).toEqual([4 * G + 3 * U, 4 * G + 5 * U]);
    expect(counters.acceptMemoryUnits).toBe(5);
    expect(counters.unacceptedPages).toBe((32 - 5) * U);
  });

  it('an end inside a unit rounds up to that unit and takes no extra one', () => {
    const { u, calls } = bitmap();
    expect(u.acceptMemory(4 * G + 10, 4 * G + U + 1)).toBe(2);
    expect(calls).toEqual([[4 * G, 4 * G + 2 * U]]);
  });

  it('accepting what is already accepted calls nothing; set bits only (for_each_set_bitrange_from)', () => {
    const { u, calls } = bitmap();
    u.acceptMemory(4 * G + 4 * U, 4 * G + 5 * U); // units 4 and 5 (the guard)
    expect(u.acceptMemory(4 * G + 2 * U, 4 * G + 8 * U)).toBe(5); // units 2, 3 and 6, 7, 8: two runs
    expect(calls.slice(1)).toEqual([
      [4 * G + 2 * U, 4 * G + 4 * U],
      [4 * G + 6 * U, 4 * G + 9 * U],
    ]);
    expect(u.acceptMemory(4 * G + 2 * U, 4 * G + 5 * U)).toBe(0);
  });

  it('range_contains_unaccepted_memory() looks one unit past a unit-aligned end', () => {
    const { u } = bitmap();
    // [4G - 2 MiB, 4G) is accepted, but its end is unit-aligned and the next unit is not
    expect(u.rangeContainsUnacceptedMemory(4 * G - U, 4 * G)).toBe(true);
    expect(u.rangeContainsUnacceptedMemory(4 * G - U, 4 * G - 1)).toBe(false);
    expect(u.rangeContainsUnacceptedMemory(4 * G + 32 * U, 4 * G + 33 * U)).toBe(false);
  });

  it('TDVF accepts RAM below 4 GiB; the EFI stub accepts sub-unit edges; the rest starts unaccepted', () => {
    // 16 GiB + 3 MiB of q35 RAM: [0, 2 GiB) and [4 GiB, 18 GiB + 3 MiB)
    const ram = [
      { startPfn: 0, endPfn: 2 * G },
      { startPfn: 4 * G, endPfn: 18 * G + (3 * MiB) / PAGE_SIZE },
    ];
    expect(initiallyUnaccepted(ram, 4 * G)).toEqual([{ startPfn: 4 * G, endPfn: 18 * G + U }]);
  });

  it('a booted TD: RAM above 4 GiB is unaccepted but for what boot accepted, and touching it is fatal', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    const a = m.machine.audit();
    expect(m.counters.unacceptedPages).toBe(14 * G - m.counters.acceptMemoryUnits * U);
    expect(a.pages.unaccepted).toBe(m.pages.zones[2]!.unacceptedPages);
    expect(a.lost).toEqual([]);
    expect(m.mem.state(G / 2)).toBe(PageState.PrivateAccepted); // below 4 GiB: TDVF accepted it
    expect(m.mem.state(17 * G)).toBe(PageState.PrivatePending);
    // a load from unaccepted memory exits to the VMM, which can only kill the TD (invariant 3)
    expect(m.kernel.read(m.pageAddress(17 * G), 8).ok).toBe(false);
    expect(m.inv.violations.map((v) => v.invariant)).toEqual([3]);
  });

  it('unacceptedMemory: false boots with every page accepted', () => {
    const m = testMachine({ memoryBytes: 16 * GiB, unacceptedMemory: false });
    expect(m.counters.unacceptedPages).toBe(0);
    expect(m.counters.acceptMemoryBlocks).toBe(0);
    expect(m.mem.state(17 * G)).toBe(PageState.PrivateAccepted);
  });
});
