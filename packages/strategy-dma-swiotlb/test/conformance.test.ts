import { describeAllocatorConformance } from '@tdx-shbuf/conformance';
import strategy from '@tdx-shbuf/strategy-dma-swiotlb';

describeAllocatorConformance(strategy, { label: 'dma-swiotlb (mode: streaming)', options: { mode: 'streaming' } });
describeAllocatorConformance(strategy, { label: 'dma-swiotlb (mode: coherent)', options: { mode: 'coherent' } });
describeAllocatorConformance(strategy, { label: 'dma-swiotlb (mode: atomic)', options: { mode: 'atomic' } });
