import { defineStrategy } from '@tdx-shbuf/core';
import { templateOptions } from './options.js';
import { TemplateAllocator } from './allocator.js';

export default defineStrategy({
  meta: {
    name: '@tdx-shbuf/strategy-template',
    version: '0.0.0',
    description: 'alloc_pages_exact + set_memory_decrypted on the direct map per alloc; set_memory_encrypted + free (or leak) per free.',
  },
  // Declared, never inferred: the conformance suite runs or skips groups by these.
  capabilities: (options) => ({
    maxBytes: options.maxBytes,
    concurrent: true,
    needsDevice: false,
    touchesDirectMap: 'per-alloc',
    privateAliasWhileShared: false,
  }),
  options: templateOptions,
  create: (kernel, options) => new TemplateAllocator(kernel, options),
});
