import { fail, ok, type Result } from '../../contract/errors.js';
import type { GfpOptions, Kernel } from '../../contract/kernel.js';
import { DIRECT_MAP_BASE, PAGE_SIZE, isDirectMapKva, pageAddress, x86Address } from '../../abi/units.js';
import { setMemoryEnc, vunmap } from './mm/set-memory.js';
import { clflushCacheRange, flushTlbKernelPages } from './mm/tlb.js';
import { guestRead, guestWrite, guestZero } from './mm/access.js';
import { tdxAcceptMemory, tdxMapGpa, tdxMcallGetReport0 } from './coco/tdx.js';
import { SWIOTLB_MAX_MAPPING } from './dma/swiotlb.js';
import type { DmaDirect } from './dma/direct.js';
import type { IrqTable } from './irq.js';
import type { Guest } from './guest.js';

/**
 * The Kernel (contract/kernel.ts) over the modeled guest: each entry point is
 * the guest function it names; TDCALLs and TDVMCALLs go through the guest's
 * ABI objects, so a strategy that issues them raw reaches the TDX module and
 * the host exactly as the kernel's own helpers do.
 */
export function createKernel(m: Guest, dev: { dma: DmaDirect; irqs: IrqTable }): Kernel {
  const alloc = (order: number, gfp: GfpOptions | undefined, exactBytes?: number): Result<number> => {
    const zone = gfp?.zone ?? 'Normal';
    const pfn = exactBytes === undefined ? m.pages.allocPages(order, zone) : m.pages.allocPagesExact(exactBytes, zone);
    if (pfn === undefined) return fail('ENOMEM', `alloc_pages: no free order-${order} block in ${zone} or below`);
    if (gfp?.zero) {
      const z = guestZero(m, pageAddress(pfn), exactBytes ?? PAGE_SIZE * 2 ** order);
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
    pageAddress,
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
    tdvmcallMapGpa: (gpa, size) => m.tdvmcall.mapGpa(gpa, size),
    tdxMapGpa: (s, e, enc) => tdxMapGpa(m, s, e, enc),
    tdcallMemPageAccept: (gpa, level) => m.tdcall.memPageAccept(gpa, level),
    tdxAcceptMemory: (s, e) => tdxAcceptMemory(m, s, e),
    tdcallMrReport: (r, d, sub) => m.tdcall.mrReport(r, d, sub),
    tdxMcallGetReport0: (rd) => tdxMcallGetReport0(m, rd),
    tdvmcallGetQuote: (gpa, size) => m.tdvmcall.getQuote(gpa, size),
    tdvmcallSetupEventNotifyInterrupt: (v) => m.tdvmcall.setupEventNotifyInterrupt(v),
    requestIrq: (v, h) => dev.irqs.request(v, h),
    freeIrq: (v) => dev.irqs.free(v),
    read: (kva, len) => guestRead(m, kva, len),
    write: (kva, data) => guestWrite(m, kva, data),
    zero: (kva, len) => guestZero(m, kva, len),
    dma: {
      mapSingle: (kva, size, dir) => dev.dma.mapSingle(kva, size, dir),
      unmapSingle: (a, size, dir) => dev.dma.unmapSingle(a, size, dir),
      syncSingleForCpu: (a, off, size) => dev.dma.syncForCpu(a, off, size),
      syncSingleForDevice: (a, off, size) => dev.dma.syncForDevice(a, off, size),
      allocCoherent: (size, opts) => dev.dma.allocCoherent(size, opts?.blocking ?? true),
      freeCoherent: (kva, size) => dev.dma.freeCoherent(kva, size),
      maxMappingSize: () => SWIOTLB_MAX_MAPPING,
    },
  };
}
