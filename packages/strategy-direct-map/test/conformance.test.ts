import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-direct-map';

describeAllocatorConformance(strategy, { label: 'direct-map (convert: init, v6.7 8 KiB buffer)', requirements: { bytes: 8 * 1024 } });
describeAllocatorConformance(strategy, { label: 'direct-map (convert: init, v7.0 128 KiB buffer)', requirements: { bytes: 128 * 1024 } });
describeAllocatorConformance(strategy, { label: 'direct-map (convert: per-request)', options: { convert: 'per-request' }, requirements: { bytes: 8 * 1024 } });
