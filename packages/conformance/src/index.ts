export { describeAllocatorConformance } from './suite.js';
export type { ConformanceOptions } from './rig.js';
