import type { DmaDirect } from './direct.js';
import type { VirtioDeviceConfig } from '../../../platform/boot-state.js';
import { PAGE_SIZE } from '../../../abi/units.js';

/** SMP_CACHE_BYTES: the ring alignment a virtio-pci modern device asks for (vp_modern setup_vq → vring_create_virtqueue). */
export const VRING_ALIGN = 64;

/** vring_size(num, align) (include/uapi/linux/virtio_ring.h): 16-byte descriptors, the avail ring, aligned, then the used ring (8-byte elements). */
export function vringSize(num: number, align = VRING_ALIGN): number {
  return Math.ceil((16 * num + 2 * (3 + num)) / align) * align + 2 * 3 + 8 * num;
}

/**
 * Probe of one virtio device in a TD (drivers/virtio/virtio_ring.c): every
 * queue's split ring comes from vring_alloc_queue_split(), which tries
 * vring_size(num) and halves num on failure; vring_use_dma_api() holds
 * (VIRTIO_F_ACCESS_PLATFORM, which a TD requires), so vring_alloc_queue() is a
 * blocking dma_alloc_coherent() — fresh pages set_memory_decrypted() in the
 * direct map (docs/model.md §1). Returns the ring bytes each queue got, or the
 * first error.
 */
export function probeVirtioDevice(dma: DmaDirect, dev: VirtioDeviceConfig): { ok: true; rings: number[] } | { ok: false; message: string } {
  const rings: number[] = [];
  for (let q = 0; q < dev.queues; q++) {
    let num = dev.queueSize;
    let got = 0;
    for (; num && vringSize(num) > PAGE_SIZE; num /= 2) {
      if (dma.allocCoherent(vringSize(num), true).ok) {
        got = vringSize(num);
        break;
      }
    }
    // "Try to get a single page. You are my only hope!"
    if (!got && num && dma.allocCoherent(vringSize(num), true).ok) got = vringSize(num);
    if (!got) return { ok: false, message: `${dev.name}: queue ${q}: no memory for its ring` };
    rings.push(got);
  }
  return { ok: true, rings };
}
