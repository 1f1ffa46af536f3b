import { z } from 'zod';
import { MAX_PAGE_ORDER, MiB, PAGE_SIZE, PAGES_2M } from '@tdx-shbuf/core';

/** A pool block is one PMD: order 9, 2 MiB, naturally aligned, so decrypting it whole never splits a 2M direct-map page. */
export const BLOCK_ORDER = Math.log2(PAGES_2M);
export const BLOCK_BYTES = PAGE_SIZE * PAGES_2M;

/** Largest buffer: one MAX_PAGE_ORDER block (4 MiB), the largest alloc_pages() can return contiguously. */
export const SHARED_POOL_MAX_BYTES = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;

/** Largest pool: 4096 blocks of 2 MiB (8 GiB), as many as initialBlocks may ask for. */
export const MAX_POOL_BYTES = 4096 * BLOCK_BYTES;

/** Options of the shared-pool strategy; every key has a description and a default (docs/contributing.md §5). */
export const sharedPoolOptions = z
  .object({
    initialBlocks: z
      .number()
      .int({ error: (i) => `must be an integer in [0, 4096] (got ${String(i.input)})` })
      .min(0, { error: (i) => `must be an integer in [0, 4096] (got ${String(i.input)})` })
      .max(4096, { error: (i) => `must be an integer in [0, 4096] (got ${String(i.input)})` })
      .default(1)
      .describe(
        "2 MiB blocks decrypted at init and kept until shutdown (never shrunk). When the consumer's buffer size (requirements.bytes) is above 2 MiB the first one is a 4 MiB order-10 block. 0: nothing at init; the first alloc grows the pool.",
      ),
    grow: z
      .boolean()
      .default(true)
      .describe('Grow by a whole block (order 9, or order 10 for a buffer above 2 MiB) when no block has room, up to maxPoolBytes. false: a fixed pool; the direct map changes at init only.'),
    maxPoolBytes: z
      .number()
      .int({ error: (i) => `must be an integer in [${BLOCK_BYTES}, ${MAX_POOL_BYTES}] bytes (got ${String(i.input)})` })
      .min(BLOCK_BYTES, { error: (i) => `must be an integer in [${BLOCK_BYTES}, ${MAX_POOL_BYTES}] bytes (got ${String(i.input)})` })
      .max(MAX_POOL_BYTES, { error: (i) => `must be an integer in [${BLOCK_BYTES}, ${MAX_POOL_BYTES}] bytes (got ${String(i.input)})` })
      .multipleOf(BLOCK_BYTES, { error: (i) => `must be a multiple of ${BLOCK_BYTES} (2 MiB) (got ${String(i.input)})` })
      .default(64 * MiB)
      .describe('Most memory the pool holds shared at once, a multiple of 2 MiB up to 8 GiB (4096 blocks); an alloc that would need more is ENOMEM.'),
    shrinkIdleMs: z
      .number()
      .min(0, { error: (i) => `must be a number in [0, 86400000] ms or null (got ${String(i.input)})` })
      .max(86_400_000, { error: (i) => `must be a number in [0, 86400000] ms or null (got ${String(i.input)})` })
      .nullable()
      .default(null)
      .describe(
        'Give back a block grown after init once it has held no buffer for this many ms of virtual time (at most a day, 86400000): set_memory_encrypted of the whole block, then __free_pages. Checked at every alloc and free (the kernel API has no delayed work). null: never; 0: as soon as its last buffer is freed.',
      ),
    align: z
      .enum(['page', 'order'])
      .default('page')
      .describe(
        '"page": buffers start on any 4 KiB page (least fragmentation). "order": on the buffer\'s power-of-two order, as dma_alloc_coherent() guarantees and gen_pool_first_fit_order_align() gives.',
      ),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.initialBlocks * BLOCK_BYTES > o.maxPoolBytes) {
      ctx.addIssue({ code: 'custom', path: ['initialBlocks'], message: `${o.initialBlocks} blocks of 2 MiB exceed maxPoolBytes (${o.maxPoolBytes})` });
    }
    if (!o.grow && o.initialBlocks === 0) {
      ctx.addIssue({ code: 'custom', path: ['initialBlocks'], message: 'a pool that cannot grow (grow: false) needs at least one initial block' });
    }
    if (!o.grow && o.shrinkIdleMs !== null) {
      ctx.addIssue({ code: 'custom', path: ['shrinkIdleMs'], message: 'only blocks grown after init shrink, and grow is false' });
    }
  });

export type SharedPoolOptions = z.output<typeof sharedPoolOptions>;

/** Largest buffer the pool serves under `o`: one block of order ≤ MAX_PAGE_ORDER that fits in maxPoolBytes. */
export function maxBufferBytes(o: SharedPoolOptions): number {
  return o.maxPoolBytes >= SHARED_POOL_MAX_BYTES ? SHARED_POOL_MAX_BYTES : BLOCK_BYTES;
}
