import { createSharedBuffer, fail, ok, type Kernel, type SharedBufferAllocator } from '@tdx-shbuf/core';

interface Mapping {
  readonly pfn: number;
  readonly bytes: number;
  /** The SWIOTLB slot's device address, once dma_map_single() has run. */
  dmaAddr?: number;
}

/**
 * Streaming DMA (kernel/dma/mapping.c → dma-direct → swiotlb_tbl_map_single):
 * the driver's buffer is ordinary private memory (alloc_pages_exact); the
 * device — here the host — only ever sees a SWIOTLB slot, decrypted once at
 * boot. A driver maps after it has written its request, so
 * dma_map_single(DMA_BIDIRECTIONAL) — which always copies the buffer into the
 * slot — is the request's one bounce: it runs at the buffer's first
 * syncForDevice (or when its GPA is first asked for). Later
 * dma_sync_single_for_device/_for_cpu copy each way; dma_unmap_single copies
 * back. Nothing is converted after boot. On x86 TDX the device address carries
 * no shared bit (phys_to_dma_unencrypted = __phys_to_dma); the GPA the host is
 * given in a TDVMCALL is cc_mkdec() of it.
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
      const mapping: Mapping = { pfn: p.value, bytes };
      const buf = createSharedBuffer(kernel, {
        kva,
        bytes,
        mapForDevice: () => {
          // dma_map_single(); a dma_mapping_error() is ENOMEM carrying
          // "swiotlb buffer is full (sz: … bytes), total … (slots), used … (slots)".
          const d = kernel.dma.mapSingle(kva, bytes, 'bidirectional');
          if (!d.ok) return d;
          mapping.dmaAddr = d.value;
          return ok([{ gpa: d.value + kernel.sharedBit, bytes }]);
        },
        syncForDevice: (off, len) => kernel.dma.syncSingleForDevice(mapping.dmaAddr!, off, len),
        syncForCpu: (off, len) => kernel.dma.syncSingleForCpu(mapping.dmaAddr!, off, len),
      });
      live.set(buf.id, mapping);
      return ok(buf);
    },
    async free(buffer) {
      const l = live.get(buffer.id);
      if (!l) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      // dma_unmap_single(DMA_BIDIRECTIONAL): copies the slot back, releases the slots.
      const r = l.dmaAddr === undefined ? ok() : kernel.dma.unmapSingle(l.dmaAddr, l.bytes, 'bidirectional');
      kernel.freePagesExact(l.pfn, l.bytes); // the kernel buffer was never shared
      return r;
    },
    async shutdown() {
      return live.size ? fail('EBUSY', `shutdown: ${live.size} buffers are still mapped`) : ok();
    },
  };
}
