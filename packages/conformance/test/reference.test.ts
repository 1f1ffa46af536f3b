import { describeAllocatorConformance } from '../src/index.js';
import { fixtureStrategy } from './fixtures/strategy.js';

// The correct reference strategy passes the whole suite on the default platform (16 GiB, 8 vCPUs) ...
describeAllocatorConformance(fixtureStrategy('none'));
// ... and with other options on a small guest without 1 GiB pages.
describeAllocatorConformance(fixtureStrategy('none'), { options: { maxBytes: 4097 }, platform: { memoryBytes: 1 * 2 ** 30, gbPages: false }, label: 'reference, maxBytes 4097, 1 GiB guest' });
