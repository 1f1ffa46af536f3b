import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-shared-pool';

describeAllocatorConformance(strategy, { label: 'shared-pool (created for 4 MiB buffers: one order-10 block at init)' });
describeAllocatorConformance(strategy, { label: 'shared-pool (8 KiB quote buffers)', requirements: { bytes: 8 * 1024 } });
describeAllocatorConformance(strategy, { label: 'shared-pool (align: order, shrinkIdleMs: 0, nothing at init)', options: { align: 'order', shrinkIdleMs: 0, initialBlocks: 0 } });
describeAllocatorConformance(strategy, { label: 'shared-pool (grow: false, 6 MiB fixed pool)', options: { grow: false, initialBlocks: 3 } });
