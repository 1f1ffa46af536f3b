import { fail, ok, pfnUp, type Kernel, type Result } from '@tdx-shbuf/core';

/** Pages of one converted buffer in the direct map. */
export interface DirectMapBuf {
  readonly pfn: number;
  readonly kva: number;
  readonly bytes: number;
}

/**
 * alloc_quote_buf() (tdx-guest.c, f4738f56d1dc + 27834971f616):
 *   addr = alloc_pages_exact(len, GFP_KERNEL | __GFP_ZERO);
 *   if (set_memory_decrypted((unsigned long)addr, count)) return NULL;  // pages leaked, not freed
 * `failCode` is what the caller reports when the conversion fails.
 */
export function allocDecrypted(kernel: Kernel, bytes: number, failCode: 'ENOMEM' | 'EIO'): Result<DirectMapBuf> {
  const len = pfnUp(bytes) * 4096; // PAGE_ALIGN(len)
  const count = len / 4096;
  const p = kernel.allocPagesExact(len, { zero: true });
  if (!p.ok) return p;
  const kva = kernel.pageAddress(p.value);
  const r = kernel.setMemoryDecrypted(kva, count);
  if (!r.ok) {
    // 27834971f616 "virt: tdx-guest: Just leak decrypted memory on unrecoverable errors":
    // whatever failed (even an ENOMEM from split_large_page) the pages are leaked, not freed.
    kernel.leakPages(p.value, count, 'set_memory_decrypted failed in alloc_quote_buf');
    return fail(r.error.code === 'ENOMEM' ? 'ENOMEM' : failCode, `alloc_quote_buf: set_memory_decrypted of ${count} pages failed (${r.error.code}); pages leaked`, r.error);
  }
  return ok({ pfn: p.value, kva, bytes: len });
}

/**
 * free_quote_buf(): if (set_memory_encrypted(addr, count)) return;  // leak
 *                   free_pages_exact(buf, len);
 */
export function freeDecrypted(kernel: Kernel, buf: DirectMapBuf): Result<void> {
  const count = buf.bytes / 4096;
  const r = kernel.setMemoryEncrypted(buf.kva, count);
  if (!r.ok) {
    kernel.leakPages(buf.pfn, count, 'set_memory_encrypted failed in free_quote_buf');
    return fail('EIO', `free_quote_buf: set_memory_encrypted of ${count} pages failed; pages leaked`, r.error);
  }
  kernel.freePagesExact(buf.pfn, buf.bytes);
  return ok();
}

/** The SharedBuffer spec of a direct-map buffer: the GPA is virt_to_phys(kva) | cc_mkdec(0), as tdx_hcall_get_quote() passes it. */
export function sharedGpa(kernel: Kernel, buf: DirectMapBuf): Result<number> {
  const pa = kernel.virtToPhys(buf.kva);
  return pa.ok ? ok(pa.value + kernel.sharedBit) : pa;
}
