export { default } from './strategy.js';
export { directMapOptions, GET_QUOTE_BUF_SIZE, type DirectMapOptions } from './options.js';
