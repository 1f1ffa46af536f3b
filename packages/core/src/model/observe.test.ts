import { describe, expect, it } from 'vitest';
import { Machine } from './machine.js';
import { bootMachine, bootWithStrategy } from '../boot.js';
import { ConfigError } from '../contract/errors.js';
import { defineStrategy } from '../contract/strategy.js';
import { GiB, PAGE_SIZE } from '../abi/units.js';
import { Owner, PageState } from './memory/phys-mem.js';
import { z } from 'zod';

const unwrapOk = <T>(r: { ok: true; value: T } | { ok: false; error: Error }): T => {
  if (!r.ok) throw r.error;
  return r.value;
};

describe('the public Machine: observation and fault API only', () => {
  it('does not show its parts: page allocator, guest memory, VMM and invariant log are not members', () => {
    const m = new Machine({ memoryBytes: 2 * GiB });
    // @ts-expect-error the page allocator is core-internal
    expect(m.pages).toBeUndefined();
    // @ts-expect-error guest memory is core-internal
    expect(m.mem).toBeUndefined();
    // @ts-expect-error the VMM is core-internal
    expect(m.vmm).toBeUndefined();
    // @ts-expect-error the invariant log is core-internal (read m.violations, report with m.reportViolation)
    expect(m.inv).toBeUndefined();
  });

  it('audit() classes every RAM page and finds nothing lost after boot', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    const a = m.audit();
    expect(Object.values(a.pages).reduce((x, y) => x + y, 0)).toBe(a.ramPages);
    expect(a.lost).toEqual([]);
    expect(a.freeListPages).toBe(a.pages.free);
    expect(a.pages.swiotlb * PAGE_SIZE).toBe(a.swiotlb.bytes);
    expect(a.shared.swiotlb).toBe(a.pages.swiotlb); // the pool was decrypted at boot
    expect(a.pages['dma-pool']).toBe(a.atomicPools.reduce((n, p) => n + p.pages, 0));
    expect(a.shared['dma-pool']).toBe(a.pages['dma-pool']);
    expect(a.pages.reserved).toBeGreaterThan(0);
    expect(a.shared['shared-in-use']).toBe(0);
  });

  it('audit() follows a buffer from allocated to shared-in-use to leaked, and page() shows the page', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pfn = unwrapOk(k.allocPages(1));
    expect(m.page(pfn)).toMatchObject({ state: PageState.PrivateAccepted, owner: Owner.Allocated, directMapEncrypted: true });
    unwrapOk(k.setMemoryDecrypted(k.pageAddress(pfn), 2));
    expect(m.page(pfn)).toMatchObject({ state: PageState.Shared, directMapEncrypted: false });
    expect(m.audit().shared['shared-in-use']).toBe(2);
    k.leakPages(pfn, 2, 'test');
    const a = m.audit();
    expect([a.shared['shared-in-use'], a.shared.leaked, a.pages.leaked]).toEqual([0, 2, 2]);
    expect(m.dmesg.at(-1)).toContain('leaking 2 pages');
  });

  it('audit() reports a shared page freed into the free pool as lost', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pfn = unwrapOk(k.allocPages(0));
    unwrapOk(k.setMemoryDecrypted(k.pageAddress(pfn), 1));
    k.freePages(pfn, 0);
    expect(m.audit().lost).toEqual([{ problem: 'shared page in the free pool (invariant 1)', pfn, pages: 1 }]);
    expect(m.violations.map((v) => v.invariant)).toEqual([1]);
  });

  it('faults.failAllocations fails exactly the scripted calls and clears', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const clear = m.faults.failAllocations(1);
    expect([k.allocPages(0).ok, k.allocPages(0).ok, k.allocPages(0).ok]).toEqual([true, false, true]);
    clear();
    const clearOnward = m.faults.failAllocations(0, { onward: true });
    expect([k.allocPages(0).ok, k.allocPages(0).ok]).toEqual([false, false]);
    clearOnward();
    expect(k.allocPages(0).ok).toBe(true);
  });

  it('faults.mapGpa scripts the host; host.readShared/writeShared see shared pages only', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pfn = unwrapOk(k.allocPages(0));
    const gpa = pfn * PAGE_SIZE + m.sharedBit;
    expect(m.host.readShared(gpa, 4)).toBeUndefined();
    expect(m.host.writeShared(gpa, new Uint8Array([1]))).toBe(false);
    m.faults.mapGpa({ kind: 'error' });
    expect(m.faults.pendingMapGpa).toBe(1);
    expect(k.setMemoryDecrypted(k.pageAddress(pfn), 1).ok).toBe(false);
    expect(m.faults.pendingMapGpa).toBe(0);
    const pfn2 = unwrapOk(k.allocPages(0));
    unwrapOk(k.setMemoryDecrypted(k.pageAddress(pfn2), 1));
    const gpa2 = pfn2 * PAGE_SIZE + m.sharedBit;
    expect(m.host.writeShared(gpa2, new Uint8Array([7, 8]))).toBe(true);
    expect([...unwrapOk(k.read(k.pageAddress(pfn2), 2))]).toEqual([7, 8]);
  });

  it('reportViolation records a driver invariant on the log the model keeps', () => {
    const m = new Machine({ memoryBytes: 4 * GiB });
    m.reportViolation(5, 100, 2, 'out_len not bounds-checked');
    expect(m.violations).toMatchObject([{ invariant: 5, pfn: 100, pages: 2, message: 'out_len not bounds-checked' }]);
    expect(m.counters.violations).toBe(1);
  });
});

describe('one boot path', () => {
  const pool = defineStrategy({
    meta: { name: 'test-pool', version: '0.0.0' },
    options: z.object({ maxBytes: z.number().default(8192) }).strict(),
    capabilities: (o) => ({ maxBytes: o.maxBytes, concurrent: false, needsDevice: false, touchesDirectMap: 'never', privateAliasWhileShared: false }),
    create: (_k, _o, req) => ({
      init: async () => ({ ok: true, value: undefined }),
      alloc: async () => ({ ok: true, value: req as never }),
      free: async () => ({ ok: true, value: undefined }),
      shutdown: async () => ({ ok: true, value: undefined }),
    }),
  });

  it('passes the requirements to create and returns the boot counters', async () => {
    const b = bootWithStrategy({ platform: { memoryBytes: 2 * GiB }, strategy: { definition: pool }, requirements: { bytes: 4096, concurrent: false } });
    expect(b.requirements).toEqual({ bytes: 4096, concurrent: false });
    expect(unwrapOk(await b.allocator.alloc(1))).toEqual({ bytes: 4096, concurrent: false });
    expect(b.bootCounters).toEqual(b.machine.counters);
  });

  it('refuses with typed ConfigErrors: capability, bad options, platform', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).not.toContain('\n');
        return (e as ConfigError).code;
      }
      throw new Error('expected a ConfigError');
    };
    expect(code(() => bootWithStrategy({ strategy: { definition: pool }, requirements: { bytes: 16384 } }))).toBe('capability');
    expect(code(() => bootWithStrategy({ strategy: { definition: pool }, requirements: { bytes: 4096, concurrent: true } }))).toBe('capability');
    expect(code(() => bootWithStrategy({ strategy: { definition: pool, options: { maxBytes: 'x' } }, requirements: { bytes: 1 } }))).toBe('bad-options');
    expect(code(() => bootMachine({ vcpus: 0 }))).toBe('platform');
    expect(() => bootMachine({ vcpus: 0 })).toThrow(/^platform\.vcpus: /);
    expect(() => bootMachine({ memoryBytes: 256 * 2 ** 20, swiotlbBytes: 1 * GiB })).toThrow(/^platform\.swiotlbBytes: \d+ bytes do not fit below 4 GiB$/);
  });
});
