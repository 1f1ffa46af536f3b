export { default } from './strategy.js';
export { vmapNoaliasOptions, type VmapNoaliasOptions } from './options.js';
