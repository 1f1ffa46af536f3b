import { createSharedBuffer, defineStrategy, fail, ok, type AllocatorRequirements, type Kernel, type Result, type SharedBuffer, type SharedBufferAllocator } from '@tdx-shbuf/core';
import { pkg } from './meta.js';
import { DIRECT_MAP_MAX_BYTES, directMapOptions, type DirectMapOptions } from './options.js';
import { allocDecrypted, freeDecrypted, sharedGpa, type DirectMapBuf } from './alloc-quote-buf.js';

const checkSize = (bytes: number, max: number, what: string): Result<void> =>
  !Number.isInteger(bytes) || bytes <= 0 ? fail('EINVAL', `alloc: ${bytes} is not a positive byte count`) : bytes > max ? fail('EINVAL', `alloc: ${bytes} bytes exceed the ${max}-byte ${what}`) : ok();

function wrap(kernel: Kernel, buf: DirectMapBuf): Result<SharedBuffer> {
  const gpa = sharedGpa(kernel, buf);
  if (!gpa.ok) return gpa;
  return ok(createSharedBuffer(kernel, { kva: buf.kva, bytes: buf.bytes, sharedGpas: [{ gpa: gpa.value, bytes: buf.bytes }] }));
}

/**
 * convert: "init" — tdx_guest_init() → alloc_quote_buf() once; every request
 * reuses quote_data under quote_lock (one live buffer: EBUSY otherwise);
 * tdx_guest_exit() → free_quote_buf(). The buffer is `req.bytes` (the driver's
 * GET_QUOTE_BUF_SIZE), page aligned.
 */
function initTime(kernel: Kernel, req: AllocatorRequirements): SharedBufferAllocator {
  let buf: DirectMapBuf | undefined;
  let handedOut: SharedBuffer | undefined;
  return {
    async init() {
      if (buf) return fail('EBUSY', 'init: the quote buffer is already allocated');
      // tdx_guest_init: "if (!quote_data) { ret = -ENOMEM; ... }"
      const r = allocDecrypted(kernel, req.bytes, 'ENOMEM');
      if (!r.ok) return r;
      buf = r.value;
      return ok();
    },
    async alloc(bytes) {
      const c = checkSize(bytes, req.bytes, 'quote buffer (GET_QUOTE_BUF_SIZE)');
      if (!c.ok) return c;
      if (!buf) return fail('ENODEV', 'alloc: init() has not allocated the quote buffer');
      // quote_lock serializes requests: the one buffer cannot be handed out twice.
      if (handedOut) return fail('EBUSY', 'alloc: the quote buffer is in use (one request at a time)');
      const b = wrap(kernel, buf);
      if (b.ok) handedOut = b.value;
      return b;
    },
    async free(buffer) {
      if (!handedOut || buffer.id !== handedOut.id) return fail('EINVAL', `free: buffer ${buffer.id} is not the handed-out quote buffer`);
      handedOut = undefined; // stays converted for the next request
      return ok();
    },
    async shutdown() {
      if (handedOut) return fail('EBUSY', 'shutdown: the quote buffer is still in use');
      if (!buf) return ok();
      const b = buf;
      buf = undefined;
      return freeDecrypted(kernel, b);
    },
  };
}

/**
 * convert: "per-request" — the v5 patch (2022-05): tdx_get_quote() did
 * alloc_pages_exact + set_memory_decrypted for each request and
 * set_memory_encrypted + free_pages_exact after it, so every request may split
 * the direct map further (the fragmentation the review objected to).
 */
function perRequest(kernel: Kernel): SharedBufferAllocator {
  const live = new Map<number, DirectMapBuf>();
  return {
    async init() {
      return ok();
    },
    async alloc(bytes) {
      const c = checkSize(bytes, DIRECT_MAP_MAX_BYTES, 'limit of alloc_pages_exact (MAX_PAGE_ORDER)');
      if (!c.ok) return c;
      const r = allocDecrypted(kernel, bytes, 'EIO');
      if (!r.ok) return r;
      const b = wrap(kernel, r.value);
      if (b.ok) live.set(b.value.id, r.value);
      return b;
    },
    async free(buffer) {
      const buf = live.get(buffer.id);
      if (!buf) return fail('EINVAL', `free: buffer ${buffer.id} was not allocated here or is already freed`);
      live.delete(buffer.id);
      return freeDecrypted(kernel, buf);
    },
    async shutdown() {
      return live.size ? fail('EBUSY', `shutdown: ${live.size} buffers are still in use`) : ok();
    },
  };
}

/** @tdx-shbuf/strategy-direct-map: what upstream merged in v6.7 (f4738f56d1dc). */
export default defineStrategy({
  meta: { name: pkg.name, version: pkg.version, description: pkg.description },
  capabilities: (o: DirectMapOptions) => ({
    // alloc_pages_exact() serves up to one MAX_PAGE_ORDER block; with convert: init the
    // one buffer is as large as the requirements given to create (the driver's buffer size).
    maxBytes: DIRECT_MAP_MAX_BYTES,
    concurrent: o.convert === 'per-request',
    needsDevice: false,
    touchesDirectMap: o.convert === 'init' ? 'init' : 'per-alloc',
    // set_memory_decrypted() changes the direct-map PTE itself: no private alias remains.
    privateAliasWhileShared: false,
  }),
  options: directMapOptions,
  create: (kernel, o, req) => (o.convert === 'init' ? initTime(kernel, req) : perRequest(kernel)),
});
