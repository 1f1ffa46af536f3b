export { default, ATOMIC_POOL_MIN_BYTES, dmaCapabilities } from './strategy.js';
export { dmaSwiotlbOptions, type DmaSwiotlbOptions } from './options.js';
