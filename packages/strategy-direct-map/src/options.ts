import { z } from 'zod';
import { MAX_PAGE_ORDER, PAGE_SIZE } from '@tdx-shbuf/core';

/** GET_QUOTE_BUF_SIZE in drivers/virt/coco/tdx-guest/tdx-guest.c, v6.7–v6.19 (v7.0 raised it to 128 KiB). The driver's `bufferBytes` decides; this is its default. */
export const GET_QUOTE_BUF_SIZE = 8 * 1024;

/** Largest buffer alloc_pages_exact() can give: one MAX_PAGE_ORDER block (4 MiB). */
export const DIRECT_MAP_MAX_BYTES = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;

/** Options of the direct-map strategy; every key has a description and a default (docs/contributing.md §5). */
export const directMapOptions = z
  .object({
    convert: z
      .enum(['init', 'per-request'])
      .default('init')
      .describe(
        '"init": one buffer converted at driver load and reused (upstream, f4738f56d1dc). "per-request": fresh pages converted in the direct map on every alloc and re-encrypted on free (the v5 patch, 2022).',
      ),
  })
  .strict();

export type DirectMapOptions = z.output<typeof directMapOptions>;
