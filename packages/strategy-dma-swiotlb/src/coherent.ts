import { createSharedBuffer, fail, ok, type Kernel, type SharedBufferAllocator } from '@tdx-shbuf/core';

/**
 * dma_alloc_coherent() / dma_free_coherent() (kernel/dma/direct.c). Blocking
 * (GFP_KERNEL): dma_direct_alloc → fresh pages + dma_set_decrypted(), i.e.
 * set_memory_decrypted() IN THE DIRECT MAP, every allocation; free re-encrypts
 * or leaks ("leaking DMA memory that can't be re-encrypted"). Non-blocking
 * (GFP_ATOMIC): dma_direct_alloc_from_pool → the atomic pool decrypted once at
 * boot (kernel/dma/pool.c); free returns the chunk to the pool.
 */
export function coherent(kernel: Kernel, blocking: boolean, maxBytes: number): SharedBufferAllocator {
  const live = new Map<number, { kva: number; bytes: number }>();
  return {
    async init() {
      return ok();
    },
    async alloc(bytes) {
      if (!Number.isInteger(bytes) || bytes <= 0) return fail('EINVAL', `alloc: ${bytes} is not a positive byte count`);
      if (bytes > maxBytes) return fail('EINVAL', `alloc: ${bytes} bytes exceed ${blocking ? 'one MAX_PAGE_ORDER block' : 'the guaranteed atomic pool'} (${maxBytes})`);
      const r = kernel.dma.allocCoherent(bytes, { blocking });
      if (!r.ok) return r;
      const { kva, dmaAddr } = r.value;
      // The device address carries no shared bit on x86 TDX (phys_to_dma_unencrypted = __phys_to_dma);
      // the GPA a TDVMCALL takes is cc_mkdec() of it.
      const buf = createSharedBuffer(kernel, { kva, bytes, sharedGpas: [{ gpa: dmaAddr + kernel.sharedBit, bytes }] });
      live.set(buf.id, { kva, bytes });
      return ok(buf);
    },
    async free(buffer) {
      const l = live.get(buffer.id);
      if (!l) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      return kernel.dma.freeCoherent(l.kva, l.bytes);
    },
    async shutdown() {
      return live.size ? fail('EBUSY', `shutdown: ${live.size} buffers are still allocated`) : ok();
    },
  };
}
