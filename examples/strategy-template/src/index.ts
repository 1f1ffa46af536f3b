export { default } from './strategy.js';
export { templateOptions, type TemplateOptions } from './options.js';
export { TemplateAllocator } from './allocator.js';
