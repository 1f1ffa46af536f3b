import { createSharedBuffer, fail, ok, PAGE_SIZE, pfnUp, type Kernel, type Result, type SharedBuffer, type SharedBufferAllocator } from '@tdx-shbuf/core';
import type { TemplateOptions } from './options.js';

/** Fresh pages converted in the direct map per alloc, converted back per free (as dma_direct_alloc / dma_direct_free do). */
export class TemplateAllocator implements SharedBufferAllocator {
  /** Live buffers and the pages behind them: anything else handed to free() is EINVAL. */
  private readonly live = new Map<SharedBuffer, { pfn: number; pages: number }>();

  constructor(
    private readonly kernel: Kernel,
    private readonly options: TemplateOptions,
  ) {}

  /** Nothing to do at driver load: every buffer is converted when it is allocated. */
  async init(): Promise<Result<void>> {
    return ok();
  }

  async alloc(bytes: number): Promise<Result<SharedBuffer>> {
    const k = this.kernel;
    if (!Number.isInteger(bytes) || bytes < 1 || bytes > this.options.maxBytes) {
      return fail('EINVAL', `cannot allocate ${bytes} bytes: this strategy serves 1..${this.options.maxBytes}`);
    }
    const pages = pfnUp(bytes);
    // alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO): ENOMEM is returned as a value.
    const pfn = k.allocPagesExact(pages * PAGE_SIZE, { zero: this.options.zero });
    if (!pfn.ok) return pfn;
    const kva = k.pageAddress(pfn.value);
    // set_memory_decrypted() on the direct-map address: MapGPA(shared), direct-map PTEs lose the private bit.
    const dec = k.setMemoryDecrypted(kva, pages);
    if (!dec.ok) {
      // -EIO is a VMM failure that may leave pages shared: leak them (dma_direct_alloc "out_leak_pages").
      // Any other error came before MapGPA, so the pages are still private and go back to the allocator.
      if (dec.error.code === 'EIO') k.leakPages(pfn.value, pages, 'set_memory_decrypted failed');
      else k.freePagesExact(pfn.value, pages * PAGE_SIZE);
      return dec;
    }
    const buffer = createSharedBuffer(k, { kva, bytes, sharedGpas: [{ gpa: pfn.value * PAGE_SIZE + k.sharedBit, bytes }] });
    this.live.set(buffer, { pfn: pfn.value, pages });
    return ok(buffer);
  }

  async free(buffer: SharedBuffer): Promise<Result<void>> {
    const k = this.kernel;
    const entry = this.live.get(buffer);
    if (!entry) return fail('EINVAL', `buffer ${buffer.id} is not live in this allocator (double free or foreign buffer)`);
    this.live.delete(buffer);
    // set_memory_encrypted(): MapGPA(private) + accept. On failure the pages may still be shared:
    // leak them, never free them (tdx-guest commit 27834971f616, "leaking DMA memory that can't be re-encrypted").
    const enc = k.setMemoryEncrypted(k.pageAddress(entry.pfn), entry.pages);
    if (!enc.ok) {
      k.leakPages(entry.pfn, entry.pages, 'set_memory_encrypted failed');
      return enc;
    }
    k.freePagesExact(entry.pfn, entry.pages * PAGE_SIZE); // free_pages_exact()
    return ok();
  }

  /** Free whatever is still live; the first failure is reported, the rest still run. */
  async shutdown(): Promise<Result<void>> {
    let first: Result<void> = ok();
    for (const buffer of [...this.live.keys()]) {
      const r = await this.free(buffer);
      if (first.ok && !r.ok) first = r;
    }
    return first;
  }
}
