import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-direct-map';

describeAllocatorConformance(strategy, { label: 'direct-map (convert: init)' });
describeAllocatorConformance(strategy, { label: 'direct-map (convert: init, v7.0 128 KiB buffer)', options: { bufferBytes: 128 * 1024 } });
describeAllocatorConformance(strategy, { label: 'direct-map (convert: per-request)', options: { convert: 'per-request' } });
