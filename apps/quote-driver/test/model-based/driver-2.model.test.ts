/**
 * Model-based property tests at the driver level (issue 13 item 7), part 2:
 * dma-swiotlb, shared-pool. See driver-model.ts and README.md.
 */
import { describeDriverModel } from './driver-model.js';

describeDriverModel(['dma-swiotlb', 'shared-pool']);
