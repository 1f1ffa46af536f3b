export { default } from './strategy.js';
export { sharedPoolOptions, maxBufferBytes, BLOCK_BYTES, BLOCK_ORDER, SHARED_POOL_MAX_BYTES, type SharedPoolOptions } from './options.js';
export { SharedPoolAllocator, blockOrderFor } from './pool.js';
