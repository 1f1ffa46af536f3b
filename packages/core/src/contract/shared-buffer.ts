import { fail, ok, type Result } from './errors.js';
import type { SharedBuffer } from './strategy.js';
import type { Kernel } from './kernel.js';

let nextBufferId = 1;

type Ranges = readonly { gpa: number; bytes: number }[];

/** What a strategy supplies to build a SharedBuffer. */
export type SharedBufferSpec = {
  /** Kernel virtual address the driver reads and writes through. */
  kva: number;
  /** Usable bytes. */
  bytes: number;
  /** dma_sync_single_for_device / _for_cpu for bounce strategies; omitted = coherent (no copy). */
  syncForDevice?: (offset: number, length: number) => Result<void>;
  syncForCpu?: (offset: number, length: number) => Result<void>;
} & (
  | {
      /** Shared GPAs (shared bit set) the host sees, in buffer order. */
      sharedGpas: Ranges;
      mapForDevice?: undefined;
    }
  | {
      sharedGpas?: undefined;
      /**
       * For a buffer the host reaches only once it is mapped for the device
       * (streaming DMA, where dma_map_single() comes after the driver wrote its
       * request, so the map's copy is the only bounce): map it and return the
       * shared GPAs. Called at the first syncForDevice — which then copies
       * nothing more — or when sharedGpas is first read.
       */
      mapForDevice: () => Result<Ranges>;
    }
);

/** A SharedBuffer whose guest accesses go through `kernel.read/write` at `kva`, bounds-checked. */
export function createSharedBuffer(kernel: Kernel, spec: SharedBufferSpec): SharedBuffer {
  const check = (offset: number, length: number): Result<void> =>
    Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= spec.bytes
      ? ok()
      : fail('EINVAL', `buffer access [${offset}, ${offset + length}) outside its ${spec.bytes} bytes`);
  const copy = (r: Ranges) => r.map((g) => ({ ...g }));
  let gpas: Ranges | undefined = spec.sharedGpas ? copy(spec.sharedGpas) : undefined;
  const map = (): Result<Ranges> => {
    if (gpas) return ok(gpas);
    const r = spec.mapForDevice!();
    if (r.ok) gpas = copy(r.value);
    return r;
  };
  return {
    id: nextBufferId++,
    kva: spec.kva,
    bytes: spec.bytes,
    get sharedGpas() {
      const r = map();
      return r.ok ? r.value : [];
    },
    read(offset, length) {
      const c = check(offset, length);
      return c.ok ? kernel.read(spec.kva + offset, length) : c;
    },
    write(offset, data) {
      const c = check(offset, data.length);
      return c.ok ? kernel.write(spec.kva + offset, data) : c;
    },
    syncForDevice(offset, length) {
      const c = check(offset, length);
      if (!c.ok) return c;
      if (!gpas) {
        const r = map();
        return r.ok ? ok() : r;
      }
      return spec.syncForDevice ? spec.syncForDevice(offset, length) : ok();
    },
    syncForCpu(offset, length) {
      const c = check(offset, length);
      if (!c.ok) return c;
      if (!gpas) return ok(); // not mapped yet: the host has seen nothing to write back
      return spec.syncForCpu ? spec.syncForCpu(offset, length) : ok();
    },
  };
}
