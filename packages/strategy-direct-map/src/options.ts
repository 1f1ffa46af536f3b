import { z } from 'zod';

/** GET_QUOTE_BUF_SIZE in drivers/virt/coco/tdx-guest/tdx-guest.c, v6.7–v6.19 (v7.0 raised it to 128 KiB: pass 131072). */
export const GET_QUOTE_BUF_SIZE = 8 * 1024;

/** Options of the direct-map strategy; every key has a description and a default (docs/contributing.md §5). */
export const directMapOptions = z
  .object({
    bufferBytes: z
      .number()
      .int()
      .positive()
      .max(4 * 1024 * 1024)
      .refine((b) => b % 4096 === 0, 'must be a multiple of 4096 (PAGE_ALIGN(GET_QUOTE_BUF_SIZE))')
      .default(GET_QUOTE_BUF_SIZE)
      .describe('Size of the quote buffer: GET_QUOTE_BUF_SIZE, 8 KiB in v6.7–v6.19, 128 KiB (131072) from v7.0. Also the largest request served.'),
    convert: z
      .enum(['init', 'per-request'])
      .default('init')
      .describe('"init": one buffer converted at driver load and reused (upstream, f4738f56d1dc). "per-request": fresh pages converted in the direct map on every alloc and re-encrypted on free (the v5 patch, 2022).'),
  })
  .strict();

export type DirectMapOptions = z.output<typeof directMapOptions>;
