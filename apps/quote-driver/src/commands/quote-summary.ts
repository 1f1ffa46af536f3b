import type { LoadedStrategy } from '@tdx-shbuf/core';

/** The strategy as configured, e.g. `direct-map` or `dma-swiotlb`. */
export function strategyName(s: LoadedStrategy): string {
  return s.name;
}
