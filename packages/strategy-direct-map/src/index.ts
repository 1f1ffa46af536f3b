export { default } from './strategy.js';
export { directMapOptions, DIRECT_MAP_MAX_BYTES, GET_QUOTE_BUF_SIZE, type DirectMapOptions } from './options.js';
