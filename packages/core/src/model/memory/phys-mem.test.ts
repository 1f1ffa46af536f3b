import { describe, expect, it } from 'vitest';
import { GuestMemory } from './phys-mem.js';
import { newCounters } from '../sim/metrics.js';
import { PAGE_SIZE } from '../../abi/units.js';

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);

describe('guest memory contents (private and shared backings)', () => {
  it('reads back what was written across page boundaries; never-written bytes read as zero', () => {
    const mem = new GuestMemory(16, [{ startPfn: 0, endPfn: 16 }], newCounters());
    mem.writeData('shared', PAGE_SIZE - 3, bytes(6, 7));
    expect([...mem.readData('shared', PAGE_SIZE - 5, 10)]).toEqual([0, 0, 7, 7, 7, 7, 7, 7, 0, 0]);
    expect(mem.readData('private', PAGE_SIZE - 5, 10)).toEqual(new Uint8Array(10)); // the other backing is untouched
    const out = bytes(12, 9);
    mem.readInto('shared', PAGE_SIZE - 3, 6, out, 4);
    expect([...out]).toEqual([9, 9, 9, 9, 7, 7, 7, 7, 7, 7, 9, 9]);
  });

  it('a page whose contents were dropped reads as zero, also when its buffer is reused for a partial write', () => {
    const mem = new GuestMemory(16, [{ startPfn: 0, endPfn: 16 }], newCounters());
    mem.writeData('private', 0, bytes(2 * PAGE_SIZE, 0xaa));
    mem.dropData('private', 0, 2);
    expect(mem.readData('private', 0, 2 * PAGE_SIZE)).toEqual(new Uint8Array(2 * PAGE_SIZE));
    // the dropped buffers come back for new pages: a partial write must not show the old 0xaa bytes
    mem.writeData('shared', 5 * PAGE_SIZE + 100, bytes(10, 1));
    const page = mem.readData('shared', 5 * PAGE_SIZE, PAGE_SIZE);
    expect(page.reduce((a, b) => a + b, 0)).toBe(10);
    expect([...page.subarray(99, 111)]).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it('zeroData clears part of a page and drops a page zeroed whole', () => {
    const mem = new GuestMemory(16, [{ startPfn: 0, endPfn: 16 }], newCounters());
    mem.writeData('shared', 0, bytes(2 * PAGE_SIZE, 5));
    mem.zeroData('shared', PAGE_SIZE - 2, PAGE_SIZE + 2);
    expect([...mem.readData('shared', PAGE_SIZE - 4, 4)]).toEqual([5, 5, 0, 0]);
    expect(mem.readData('shared', PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
    expect(mem.sharedData.has(1)).toBe(false);
    expect(mem.sharedData.has(0)).toBe(true);
  });
});
