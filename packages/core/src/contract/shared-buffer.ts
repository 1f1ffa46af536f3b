import { fail, ok, type Result } from './errors.js';
import type { SharedBuffer } from './strategy.js';
import type { Kernel } from './kernel.js';

let nextBufferId = 1;

/** What a strategy supplies to build a SharedBuffer. */
export interface SharedBufferSpec {
  /** Kernel virtual address the driver reads and writes through. */
  kva: number;
  /** Usable bytes. */
  bytes: number;
  /** Shared GPAs (shared bit set) the host sees, in buffer order. */
  sharedGpas: readonly { gpa: number; bytes: number }[];
  /** dma_sync_single_for_device / _for_cpu for bounce strategies; omitted = coherent (no copy). */
  syncForDevice?: (offset: number, length: number) => Result<void>;
  syncForCpu?: (offset: number, length: number) => Result<void>;
}

/** A SharedBuffer whose guest accesses go through `kernel.read/write` at `kva`, bounds-checked. */
export function createSharedBuffer(kernel: Kernel, spec: SharedBufferSpec): SharedBuffer {
  const check = (offset: number, length: number): Result<void> =>
    Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= spec.bytes
      ? ok()
      : fail('EINVAL', `buffer access [${offset}, ${offset + length}) outside its ${spec.bytes} bytes`);
  return {
    id: nextBufferId++,
    kva: spec.kva,
    bytes: spec.bytes,
    sharedGpas: spec.sharedGpas.map((g) => ({ ...g })),
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
      return !c.ok ? c : spec.syncForDevice ? spec.syncForDevice(offset, length) : ok();
    },
    syncForCpu(offset, length) {
      const c = check(offset, length);
      return !c.ok ? c : spec.syncForCpu ? spec.syncForCpu(offset, length) : ok();
    },
  };
}
