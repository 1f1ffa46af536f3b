import { describe, expect, it } from 'vitest';
import { MiB, type Machine } from '@tdx-shbuf/core';
import { must, strategyRig } from '@tdx-shbuf/conformance';
import strategy from './strategy.js';
import type { SharedPoolAllocator } from './pool.js';

/**
 * tdx_kexec_finish() walks the direct map and converts back every page whose
 * PTE is decrypted (pte_decrypted()); a shared page mapped private in the
 * direct map is not found, stays shared across kexec, and the next kernel's
 * first private access to it is a guest shutdown. These are the shared pages
 * (every class the audit knows) the walk would miss.
 */
function kexecUnsafePages(m: Machine): number[] {
  const out: number[] = [];
  for (const r of m.audit().sharedRanges) for (let p = r.pfn; p < r.pfn + r.pages; p++) if (m.page(p).directMapEncrypted !== false) out.push(p);
  return out;
}

describe('kexec safety: every page of the pool is decrypted in the direct map, where tdx_kexec_finish looks', () => {
  it('after init, growth by 2 MiB and 4 MiB blocks, and with buffers live', async () => {
    const { m, a } = strategyRig(strategy, {}, {}, { concurrent: true });
    const pool = a as SharedPoolAllocator;
    must(await a.init());
    const live = [must(await a.alloc(2 * MiB - 8192)), must(await a.alloc(64 * 1024)), must(await a.alloc(3 * MiB)), must(await a.alloc(5000))];
    expect(pool.poolBlocks.map((b) => b.order)).toEqual([9, 9, 10]);
    const poolPages = pool.poolBytes / 4096;
    // Every shared page beyond the boot pools is a pool page, and tdx_kexec_finish finds each one.
    const mine = m
      .audit()
      .sharedRanges.filter((r) => r.class === 'shared-in-use')
      .reduce((n, r) => n + r.pages, 0);
    expect(mine).toBe(poolPages);
    expect(kexecUnsafePages(m)).toEqual([]);
    expect(m.counters.privateAliasedSharedPages).toBe(0);
    for (const b of live) must(await a.free(b));
    expect(kexecUnsafePages(m)).toEqual([]);
  });

  it('control: a page shared through vmap + the never-merged _noalias conversion is one the walk misses', async () => {
    const { m, kernel } = strategyRig(strategy);
    const pfn = must(kernel.allocPages(0));
    const kva = must(kernel.vmap([pfn], 'decrypted'));
    must(kernel.setMemoryDecryptedNoalias(kva, 1));
    expect(kexecUnsafePages(m)).toEqual([pfn]);
    must(kernel.setMemoryEncryptedNoalias(kva, 1));
    kernel.vunmap(kva);
    kernel.freePages(pfn, 0);
  });
});
