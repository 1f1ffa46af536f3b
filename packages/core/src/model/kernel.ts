import type { Machine } from './machine.js';
import { fail, ok, type Result } from '../contract/errors.js';
import { setMemoryEnc, vunmap } from './set-memory.js';
import { clflushCacheRange, flushTlbKernelPages } from './flush.js';
import { tdxAcceptMemory, tdxMapGpa } from './tdx-guest.js';
import { guestRead, guestWrite, guestZero } from './access.js';
import type { MapGpaResult } from './vmm.js';
import type { AcceptLevel } from './tdvmcall.js';
import type { DmaDirection } from './dma.js';
import type { ZoneName } from './page-alloc.js';
import { DIRECT_MAP_BASE, PAGE_SIZE, isDirectMapKva, x86Address } from './units.js';
import type { CostParams } from './cost.js';
import type { PlatformConfig } from './platform-config.js';
import { SWIOTLB_MAX_MAPPING } from './swiotlb.js';
import { tdxMcallGetReport0 } from './mr-report.js';

/** Options of the page allocator entry points (the GFP flags the model honours). */
export interface GfpOptions {
  /** __GFP_ZERO: zero the pages through the direct map. */
  zero?: boolean;
  /** Highest zone allowed (GFP_KERNEL → Normal, GFP_DMA32 → DMA32). */
  zone?: ZoneName;
}

/** dma_* entry points on the modeled device (kernel/dma/mapping.c). */
export interface DmaApi {
  /** dma_map_single(): a device address (shared GPA) of a SWIOTLB slot holding a copy. */
  mapSingle(kva: number, size: number, dir: DmaDirection): Result<number>;
  /** dma_unmap_single(). */
  unmapSingle(dmaAddr: number, size: number, dir: DmaDirection): Result<void>;
  /** dma_sync_single_for_cpu(), over [offset, offset + size) of the mapping. */
  syncSingleForCpu(dmaAddr: number, offset: number, size: number): Result<void>;
  /** dma_sync_single_for_device(). */
  syncSingleForDevice(dmaAddr: number, offset: number, size: number): Result<void>;
  /** dma_alloc_coherent(); `blocking: false` is GFP_ATOMIC (atomic pool). */
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

/** The Kernel a strategy receives for `m`. */
export function kernelFor(m: Machine): Kernel {
  const alloc = (order: number, gfp: GfpOptions | undefined, exactBytes?: number): Result<number> => {
    const zone = gfp?.zone ?? 'Normal';
    const pfn = exactBytes === undefined ? m.pages.allocPages(order, zone) : m.pages.allocPagesExact(exactBytes, zone);
    if (pfn === undefined) return fail('ENOMEM', `alloc_pages: no free order-${order} block in ${zone} or below`);
    if (gfp?.zero) {
      const z = guestZero(m, m.pageAddress(pfn), exactBytes ?? PAGE_SIZE * 2 ** order);
      if (!z.ok) return z;
    }
    return ok(pfn);
  };
  return {
    platform: m.config,
    cost: m.cost,
    sharedBit: m.sharedBit,
    now: () => m.sched.now(),
    printk: (line) => void m.dmesg.push(line),
    allocPages: (order, gfp) => alloc(order, gfp),
    freePages: (pfn, order) => m.pages.freePages(pfn, order),
    allocPagesExact: (bytes, gfp) => alloc(0, gfp, bytes),
    freePagesExact: (pfn, bytes) => m.pages.freePagesExact(pfn, bytes),
    leakPages: (pfn, count, why) => {
      m.dmesg.push(`leaking ${count} pages at pfn ${pfn}: ${why}`);
      m.pages.leak(pfn, count);
    },
    pageAddress: (pfn) => m.pageAddress(pfn),
    virtToPhys: (kva) => (isDirectMapKva(kva) ? ok(kva - DIRECT_MAP_BASE) : fail('EINVAL', `virt_to_phys: ${x86Address(kva)} is not a direct-map address`)),
    vmap: (pfns, prot) => {
      const a = m.vmap.map(pfns, prot === 'encrypted');
      return a ? ok(a.kva) : fail('ENOMEM', 'vmap: vmalloc space exhausted');
    },
    vunmap: (kva) => vunmap(m, kva),
    setMemoryDecrypted: (kva, n) => setMemoryEnc(m, kva, n, false, true),
    setMemoryEncrypted: (kva, n) => setMemoryEnc(m, kva, n, true, true),
    setMemoryDecryptedNoalias: (kva, n) => setMemoryEnc(m, kva, n, false, false),
    setMemoryEncryptedNoalias: (kva, n) => setMemoryEnc(m, kva, n, true, false),
    clflushCacheRange: (_kva, bytes) => clflushCacheRange(m, bytes),
    flushTlbKernelRange: (kva, bytes) => flushTlbKernelPages(m, Math.ceil((bytes + (kva % PAGE_SIZE)) / PAGE_SIZE)),
    tdvmcallMapGpa: (gpa, size) => m.vmm.mapGpa(gpa, size),
    tdxMapGpa: (s, e, enc) => tdxMapGpa(m, s, e, enc),
    tdcallMemPageAccept: (gpa, level) => m.tdx.memPageAccept(gpa, level),
    tdxAcceptMemory: (s, e) => tdxAcceptMemory(m, s, e),
    tdcallMrReport: (r, d, sub) => m.tdx.mrReport(r, d, sub),
    tdxMcallGetReport0: (rd) => tdxMcallGetReport0(m, rd),
    tdvmcallGetQuote: (gpa, size) => m.quoteHost.getQuote(gpa, size),
    tdvmcallSetupEventNotifyInterrupt: (v) => m.quoteHost.setupEventNotifyInterrupt(v),
    requestIrq: (v, h) => m.irqs.request(v, h),
    freeIrq: (v) => m.irqs.free(v),
    read: (kva, len) => guestRead(m, kva, len),
    write: (kva, data) => guestWrite(m, kva, data),
    zero: (kva, len) => guestZero(m, kva, len),
    dma: {
      mapSingle: (kva, size, dir) => m.dma.mapSingle(kva, size, dir),
      unmapSingle: (a, size, dir) => m.dma.unmapSingle(a, size, dir),
      syncSingleForCpu: (a, off, size) => m.dma.syncForCpu(a, off, size),
      syncSingleForDevice: (a, off, size) => m.dma.syncForDevice(a, off, size),
      allocCoherent: (size, opts) => m.dma.allocCoherent(size, opts?.blocking ?? true),
      freeCoherent: (kva, size) => m.dma.freeCoherent(kva, size),
      maxMappingSize: () => SWIOTLB_MAX_MAPPING,
    },
  };
}
