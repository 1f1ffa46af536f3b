import { MAX_PAGE_ORDER, PAGE_SIZE, createSharedBuffer, defineStrategy, fail, ok, pfnUp, type Kernel, type SharedBuffer, type SharedBufferAllocator } from '@tdx-shbuf/core';
import { pkg } from './meta.js';
import { openCodedOptions, type OpenCodedOptions } from './options.js';
import { convertToPrivate, convertToShared, type Converted } from './convert.js';

const MAX_BLOCK = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;

function wrap(kernel: Kernel, c: Converted): SharedBuffer {
  const bytes = c.count * PAGE_SIZE;
  return createSharedBuffer(kernel, { kva: c.kva, bytes, sharedGpas: [{ gpa: c.pfn * PAGE_SIZE + kernel.sharedBit, bytes }] });
}

function allocator(kernel: Kernel, o: OpenCodedOptions): SharedBufferAllocator {
  /** Kai's default buffer, converted at init (undefined when preallocateBytes is 0 or before init). */
  let preallocated: Converted | undefined;
  let preallocatedInUse: number | undefined;
  const live = new Map<number, Converted>();
  return {
    async init() {
      if (preallocated) return fail('EBUSY', 'init: already initialised');
      if (o.preallocateBytes === 0) return ok();
      const c = convertToShared(kernel, pfnUp(o.preallocateBytes), o.tlbFlush);
      if (!c.ok) return c;
      preallocated = c.value;
      return ok();
    },
    async alloc(bytes) {
      if (!Number.isInteger(bytes) || bytes <= 0) return fail('EINVAL', `alloc: ${bytes} is not a positive byte count`);
      if (bytes > MAX_BLOCK) return fail('EINVAL', `alloc: ${bytes} bytes exceed one MAX_PAGE_ORDER block (${MAX_BLOCK})`);
      // "check the request buffer size and when it is larger than the default, ... a larger one should be allocated"
      if (preallocated && preallocatedInUse === undefined && bytes <= preallocated.count * PAGE_SIZE) {
        const buf = wrap(kernel, preallocated);
        preallocatedInUse = buf.id;
        return ok(buf);
      }
      const c = convertToShared(kernel, pfnUp(bytes), o.tlbFlush);
      if (!c.ok) return c;
      const buf = wrap(kernel, c.value);
      live.set(buf.id, c.value);
      return ok(buf);
    },
    async free(buffer) {
      if (preallocatedInUse !== undefined && buffer.id === preallocatedInUse) {
        preallocatedInUse = undefined; // stays shared for the next request
        return ok();
      }
      const c = live.get(buffer.id);
      if (!c) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      return convertToPrivate(kernel, c);
    },
    async shutdown() {
      if (live.size || preallocatedInUse !== undefined) return fail('EBUSY', `shutdown: ${live.size + (preallocatedInUse !== undefined ? 1 : 0)} buffers are still in use`);
      if (!preallocated) return ok();
      const c = preallocated;
      preallocated = undefined;
      return convertToPrivate(kernel, c);
    },
  };
}

/** @tdx-shbuf/strategy-open-coded: MapGPA / ACCEPT open-coded in the driver, as Kai Huang sketched it. */
export default defineStrategy({
  meta: { name: pkg.name, version: pkg.version, description: pkg.description },
  capabilities: {
    maxBytes: MAX_BLOCK,
    concurrent: true,
    needsDevice: false,
    touchesDirectMap: 'never',
    // Only the vmap alias is decrypted; the direct map keeps its private alias of the shared pages.
    privateAliasWhileShared: true,
  },
  options: openCodedOptions,
  create: allocator,
});
