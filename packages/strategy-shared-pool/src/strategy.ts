import { defineStrategy } from '@tdx-shbuf/core';
import { pkg } from './meta.js';
import { maxBufferBytes, sharedPoolOptions, type SharedPoolOptions } from './options.js';
import { SharedPoolAllocator } from './pool.js';

/** @tdx-shbuf/strategy-shared-pool: a pre-shared pool of naturally aligned 2 MiB blocks, sub-allocated. */
export default defineStrategy({
  meta: { name: pkg.name, version: pkg.version, description: pkg.description },
  capabilities: (o: SharedPoolOptions) => ({
    // One buffer lives in one block: at most a MAX_PAGE_ORDER (4 MiB) block that fits in maxPoolBytes.
    maxBytes: maxBufferBytes(o),
    concurrent: true,
    needsDevice: false,
    // Init decrypts the first blocks; a pool that may grow (or shrink) changes the direct map on an alloc or free too.
    touchesDirectMap: o.grow ? 'per-alloc' : 'init',
    // set_memory_decrypted() on the direct-map address changes the direct map itself: no private alias.
    privateAliasWhileShared: false,
  }),
  options: sharedPoolOptions,
  create: (kernel, o, requirements) => new SharedPoolAllocator(kernel, o, requirements),
});
