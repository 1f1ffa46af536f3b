import { createSharedBuffer, fail, ok, type Kernel, type SharedBufferAllocator } from '@tdx-shbuf/core';

interface Mapping {
  readonly pfn: number;
  readonly bytes: number;
  readonly dmaAddr: number;
}

/**
 * Streaming DMA (kernel/dma/mapping.c → dma-direct → swiotlb_tbl_map_single):
 * the driver's buffer is ordinary private memory (alloc_pages_exact); the
 * device — here the host — only ever sees a SWIOTLB slot, decrypted once at
 * boot. dma_map_single(DMA_BIDIRECTIONAL) copies the buffer into the slot;
 * dma_sync_single_for_device/_for_cpu copy each way; dma_unmap_single copies
 * back. Nothing is converted after boot.
 */
export function streaming(kernel: Kernel): SharedBufferAllocator {
  const live = new Map<number, Mapping>();
  const max = kernel.dma.maxMappingSize(); // dma_max_mapping_size(): swiotlb_max_mapping_size() = 256 KiB
  return {
    async init() {
      return ok();
    },
    async alloc(bytes) {
      if (!Number.isInteger(bytes) || bytes <= 0) return fail('EINVAL', `alloc: ${bytes} is not a positive byte count`);
      // Checked before mapping, as a driver must: swiotlb_map would fail with "swiotlb buffer is full".
      if (bytes > max) return fail('EINVAL', `alloc: ${bytes} bytes exceed dma_max_mapping_size() = ${max} (IO_TLB_SEGSIZE slots of 2 KiB)`);
      const p = kernel.allocPagesExact(bytes, { zero: true }); // alloc_pages_exact(size, GFP_KERNEL | __GFP_ZERO)
      if (!p.ok) return p;
      const kva = kernel.pageAddress(p.value);
      const d = kernel.dma.mapSingle(kva, bytes, 'bidirectional');
      if (!d.ok) {
        // dma_mapping_error(): the kernel buffer is private, so it can simply be freed. The error is
        // ENOMEM carrying "swiotlb buffer is full (sz: … bytes), total … (slots), used … (slots)".
        kernel.freePagesExact(p.value, bytes);
        return d;
      }
      const dmaAddr = d.value;
      const buf = createSharedBuffer(kernel, {
        kva,
        bytes,
        sharedGpas: [{ gpa: dmaAddr, bytes }],
        syncForDevice: (off, len) => kernel.dma.syncSingleForDevice(dmaAddr, off, len),
        syncForCpu: (off, len) => kernel.dma.syncSingleForCpu(dmaAddr, off, len),
      });
      live.set(buf.id, { pfn: p.value, bytes, dmaAddr });
      return ok(buf);
    },
    async free(buffer) {
      const l = live.get(buffer.id);
      if (!l) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      // dma_unmap_single(DMA_BIDIRECTIONAL): copies the slot back, releases the slots.
      const r = kernel.dma.unmapSingle(l.dmaAddr, l.bytes, 'bidirectional');
      kernel.freePagesExact(l.pfn, l.bytes); // the kernel buffer was never shared
      return r;
    },
    async shutdown() {
      return live.size ? fail('EBUSY', `shutdown: ${live.size} buffers are still mapped`) : ok();
    },
  };
}
