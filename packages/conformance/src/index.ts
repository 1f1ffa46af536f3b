export { describeAllocatorConformance } from './suite.js';
export type { ConformanceOptions } from './rig.js';
export { SIGNATURE_COUNTERS, measureCostSignature, type CostSignature } from './signature.js';
export { strategyRig, must, expectErr, signatureOf, costOf, takeFreeMemoryBelow, type Signature } from './testing.js';
