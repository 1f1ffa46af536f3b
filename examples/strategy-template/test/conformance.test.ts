import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-template';

describeAllocatorConformance(strategy);
describeAllocatorConformance(strategy, {
  options: { maxBytes: 8192, zero: false },
  platform: { memoryBytes: 2 * 2 ** 30, gbPages: false },
  label: 'strategy-template, 8 KiB buffers, 2 GiB guest without 1G pages',
});
