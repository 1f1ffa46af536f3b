import { z } from 'zod';

/** Options of the DMA-API strategy; every key has a description and a default (docs/contributing.md §5). */
export const dmaSwiotlbOptions = z
  .object({
    mode: z
      .enum(['streaming', 'coherent', 'atomic'])
      .default('streaming')
      .describe(
        '"streaming": a private kernel buffer bounced through a SWIOTLB slot by dma_map_single(DMA_BIDIRECTIONAL), a copy each way. "coherent": blocking dma_alloc_coherent(), which in a TDX guest takes fresh pages and set_memory_decrypted()s them in the direct map (docs/model.md §1). "atomic": non-blocking dma_alloc_coherent() from the atomic pool decrypted at boot.',
      ),
  })
  .strict();

export type DmaSwiotlbOptions = z.output<typeof dmaSwiotlbOptions>;
