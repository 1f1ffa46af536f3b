import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-open-coded';

describeAllocatorConformance(strategy, { label: 'open-coded' });
describeAllocatorConformance(strategy, { label: 'open-coded (preallocateBytes: 16384)', options: { preallocateBytes: 16384 } });
