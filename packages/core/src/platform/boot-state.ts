import { z } from 'zod';
import { boundedNumber, pageBytes, probability } from './bounds.js';

const MiB = 2 ** 20;

/**
 * Boot-state knobs of the platform (docs/model.md §3 "Boot state"): what the
 * kernel image's own protections and the devices probed at boot have done to
 * the direct map before any driver loads, and how the steady-state cost of
 * fragmentation is reported. Every key has a description and a default.
 */
export const kernelSectionsSchema = z
  .object({
    textBytes: pageBytes(4096, 1024 * MiB)
      .default(18 * MiB + 512 * 1024)
      .describe('_etext − _text. Assumption (a distro kernel): set it from your System.map. The gap from _etext to the 2 MiB-aligned __start_rodata is freed.'),
    rodataBytes: pageBytes(4096, 1024 * MiB)
      .default(7 * MiB + 256 * 1024)
      .describe('__end_rodata − __start_rodata. Assumption: set it from your System.map. The gap from __end_rodata to __end_rodata_hpage_align is freed.'),
  })
  .strict();

/** One virtio device probed at boot (drivers/virtio/virtio_ring.c, split rings). */
export const virtioDeviceSchema = z
  .object({
    name: z.string().min(1).describe('Label for the device (e.g. virtio-net).'),
    queues: boundedNumber({ min: 1, max: 1024, int: true }).describe('Virtqueues the driver sets up at probe (virtio-net: rx/tx pairs + control; virtio-blk: one per vCPU with num_queues).'),
    queueSize: boundedNumber({ min: 1, max: 32768, int: true })
      .refine((n) => (n & (n - 1)) === 0, { error: (i) => `must be a power of two (vring_alloc_queue_split) (got ${String(i.input)})` })
      .default(256)
      .describe('Descriptors per queue (QEMU queue_size, default 256): the ring is vring_size(num, SMP_CACHE_BYTES) bytes.'),
  })
  .strict();

export const bootConvertersSchema = z.array(virtioDeviceSchema).max(64);

export const fragmentationSchema = z
  .object({
    horizonS: boundedNumber({ min: 0, minExclusive: true, max: 31_536_000, unit: 's' })
      .default(60)
      .describe('Seconds of guest uptime over which the fragmentation left at the end of a run is charged (direct-map splits are never undone, docs/model.md §3).'),
    busyVcpuShare: probability()
      .default(1)
      .describe('Share of the vCPUs’ time the guest’s own workload runs over the horizon; its throughput loss is charged as CPU time. Assumption: accesses spread uniformly over RAM.'),
  })
  .strict();

export type KernelSectionsConfig = z.output<typeof kernelSectionsSchema>;
export type VirtioDeviceConfig = z.output<typeof virtioDeviceSchema>;
export type FragmentationConfig = z.output<typeof fragmentationSchema>;
