import { MAX_PAGE_ORDER, PAGE_SIZE, SWIOTLB_MAX_MAPPING, defineStrategy, type StrategyCapabilities } from '@tdx-shbuf/core';
import { pkg } from './meta.js';
import { dmaSwiotlbOptions, type DmaSwiotlbOptions } from './options.js';
import { streaming } from './streaming.js';
import { coherent } from './coherent.js';

/** dma_direct_alloc() serves one MAX_PAGE_ORDER block at most: 4 MiB. */
const MAX_BLOCK = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;
/**
 * The atomic pool is 128 KiB per GiB of RAM, at least 128 KiB (kernel/dma/pool.c
 * dma_atomic_pool_init). Capabilities cannot see the platform, so the declared
 * maximum is the size every platform guarantees.
 */
export const ATOMIC_POOL_MIN_BYTES = 128 * 1024;

export function dmaCapabilities(o: DmaSwiotlbOptions): StrategyCapabilities {
  const base = { concurrent: true, needsDevice: true, privateAliasWhileShared: false } as const;
  switch (o.mode) {
    case 'streaming':
      // Only SWIOTLB slots are shared; the pool was decrypted in the direct map once, at boot.
      return { ...base, maxBytes: SWIOTLB_MAX_MAPPING, touchesDirectMap: 'init' };
    case 'coherent':
      return { ...base, maxBytes: MAX_BLOCK, touchesDirectMap: 'per-alloc' };
    case 'atomic':
      return { ...base, maxBytes: ATOMIC_POOL_MIN_BYTES, touchesDirectMap: 'init' };
  }
}

/** @tdx-shbuf/strategy-dma-swiotlb: the DMA API on the modeled device — really three strategies. */
export default defineStrategy({
  meta: { name: pkg.name, version: pkg.version, description: pkg.description },
  capabilities: dmaCapabilities,
  options: dmaSwiotlbOptions,
  create: (kernel, o) => (o.mode === 'streaming' ? streaming(kernel) : coherent(kernel, o.mode === 'coherent', dmaCapabilities(o).maxBytes)),
});
