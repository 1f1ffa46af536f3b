import type { Result } from './errors.js';
import type { AcceptLevel, MapGpaResult } from '../abi/tdcall.js';
import type { CostParams } from '../platform/cost.js';
import type { PlatformConfig } from '../platform/config.js';

/** Zones of the page allocator (include/linux/mmzone.h): GFP_DMA, GFP_DMA32, GFP_KERNEL. */
export type ZoneName = 'DMA' | 'DMA32' | 'Normal';

/** enum dma_data_direction (include/linux/dma-direction.h): DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL. */
export type DmaDirection = 'to-device' | 'from-device' | 'bidirectional';

/** Options of the page allocator entry points (the GFP flags the model honours). */
export interface GfpOptions {
  /** __GFP_ZERO: zero the pages through the direct map. */
  zero?: boolean;
  /** Highest zone allowed (GFP_KERNEL → Normal, GFP_DMA32 → DMA32). */
  zone?: ZoneName;
}

/** dma_* entry points on the modeled device (kernel/dma/mapping.c). */
export interface DmaApi {
  /** dma_map_single(): the device address of a SWIOTLB slot holding a copy — on x86 TDX without the shared bit (phys_to_dma_unencrypted = __phys_to_dma). */
  mapSingle(kva: number, size: number, dir: DmaDirection): Result<number>;
  /** dma_unmap_single(). */
  unmapSingle(dmaAddr: number, size: number, dir: DmaDirection): Result<void>;
  /** dma_sync_single_for_cpu(), over [offset, offset + size) of the mapping. */
  syncSingleForCpu(dmaAddr: number, offset: number, size: number): Result<void>;
  /** dma_sync_single_for_device(). */
  syncSingleForDevice(dmaAddr: number, offset: number, size: number): Result<void>;
  /** dma_alloc_coherent(); `blocking: false` is GFP_ATOMIC (atomic pool). The device address carries no shared bit. */
  allocCoherent(size: number, opts?: { blocking?: boolean }): Result<{ kva: number; dmaAddr: number }>;
  /** dma_free_coherent(). */
  freeCoherent(kva: number, size: number): Result<void>;
  /** dma_max_mapping_size(): the SWIOTLB limit for streaming mappings. */
  maxMappingSize(): number;
}

/**
 * Everything a strategy may touch: the guest kernel's own API, named as in
 * Linux. A strategy never sets model state directly, so every call is
 * charged, counted and checked.
 */
export interface Kernel {
  /** Validated platform configuration. */
  readonly platform: Readonly<PlatformConfig>;
  /** Cost parameters in force. */
  readonly cost: Readonly<CostParams>;
  /** cc_mkdec(0): the shared bit as a GPA value. */
  readonly sharedBit: number;
  /** Virtual time of the calling task, ns. */
  now(): number;
  /** printk: append to the model's kernel log. */
  printk(line: string): void;

  /** alloc_pages(gfp, order): the first page frame, or ENOMEM. */
  allocPages(order: number, gfp?: GfpOptions): Result<number>;
  /** __free_pages(page, order). */
  freePages(pfn: number, order: number): void;
  /** alloc_pages_exact(size, gfp). */
  allocPagesExact(bytes: number, gfp?: GfpOptions): Result<number>;
  /** free_pages_exact(). */
  freePagesExact(pfn: number, bytes: number): void;
  /** The intentional leak of pages that could not be made private again (never reused, counted). */
  leakPages(pfn: number, count: number, why: string): void;
  /** page_address(): the direct-map kva of a page frame. */
  pageAddress(pfn: number): number;
  /** virt_to_phys() of a direct-map address (EINVAL otherwise, as __pa() would be wrong). */
  virtToPhys(kva: number): Result<number>;

  /** vmap(pages, count, VM_MAP, prot): `decrypted` is pgprot_decrypted(PAGE_KERNEL). */
  vmap(pfns: readonly number[], prot: 'encrypted' | 'decrypted'): Result<number>;
  /** vunmap(). */
  vunmap(kva: number): void;

  /** set_memory_decrypted(): changes the kva's PTEs and every alias (the direct map too). */
  setMemoryDecrypted(kva: number, numPages: number): Result<void>;
  /** set_memory_encrypted(). */
  setMemoryEncrypted(kva: number, numPages: number): Result<void>;
  /** set_memory_decrypted_noalias() — the v7 variant that was never merged: leaves the direct map alone. */
  setMemoryDecryptedNoalias(kva: number, numPages: number): Result<void>;
  /** set_memory_encrypted_noalias() — never merged. */
  setMemoryEncryptedNoalias(kva: number, numPages: number): Result<void>;

  /** clflush_cache_range(). */
  clflushCacheRange(kva: number, bytes: number): void;
  /** flush_tlb_kernel_range(). */
  flushTlbKernelRange(kva: number, bytes: number): void;

  /** TDVMCALL<MapGPA>(gpa, size), raw: status and r11. */
  tdvmcallMapGpa(gpa: number, size: number): MapGpaResult;
  /** tdx_map_gpa(): MapGPA with the kernel's RETRY protocol. */
  tdxMapGpa(startPa: number, endPa: number, enc: boolean): boolean;
  /** TDCALL<TDG.MEM.PAGE.ACCEPT>(gpa | level): TDX status. */
  tdcallMemPageAccept(gpa: number, level: AcceptLevel): bigint;
  /** tdx_accept_memory(start, end). */
  tdxAcceptMemory(startPa: number, endPa: number): boolean;
  /** TDCALL<TDG.MR.REPORT>(rcx = TDREPORT GPA, rdx = REPORTDATA GPA, r8 = subtype): TDX status. */
  tdcallMrReport(reportGpa: number, reportDataGpa: number, subtype: number): bigint;
  /** tdx_mcall_get_report0(reportdata): the 1024-byte TDREPORT, or EINVAL / EIO. */
  tdxMcallGetReport0(reportData: Uint8Array): Result<Uint8Array>;
  /** tdx_hcall_get_quote(): TDVMCALL<GetQuote>(cc_mkdec(virt_to_phys(buf)), size), raw status. */
  tdvmcallGetQuote(sharedGpa: number, size: number): bigint;
  /** TDVMCALL<SetupEventNotifyInterrupt>(vector), raw status. */
  tdvmcallSetupEventNotifyInterrupt(vector: number): bigint;
  /** request_irq() for an interrupt vector (32..255): EINVAL / EBUSY. */
  requestIrq(vector: number, handler: () => void): Result<void>;
  /** free_irq(). */
  freeIrq(vector: number): void;

  /** A guest load through a kernel mapping (checked against the page's state). */
  read(kva: number, length: number): Result<Uint8Array>;
  /** A guest store. */
  write(kva: number, data: Uint8Array): Result<void>;
  /** memset(kva, 0, length). */
  zero(kva: number, length: number): Result<void>;

  /** The DMA API on the modeled device (always present; strategies declare `needsDevice`). */
  readonly dma: DmaApi;
}
