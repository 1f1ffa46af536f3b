import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-vmap-noalias';

describeAllocatorConformance(strategy, { label: 'vmap-noalias' });
describeAllocatorConformance(strategy, { label: 'vmap-noalias (guardPage)', options: { guardPage: true } });
