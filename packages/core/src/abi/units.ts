/** Sizes and address-space constants (x86-64, 4-level paging as the model's default). */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
/** Pages per 2 MiB and per 1 GiB mapping. */
export const PAGES_2M = 512;
export const PAGES_1G = 512 * 512;
/** MAX_PAGE_ORDER (include/linux/mmzone.h, v6.4+): orders 0..10, 4 MiB blocks. */
export const MAX_PAGE_ORDER = 10;

/**
 * Kernel virtual addresses are modeled as plain numbers in one 2^53 space:
 * the direct map at DIRECT_MAP_BASE + pa, vmalloc space at VMALLOC_BASE + off.
 * `x86Address` turns them into the addresses a kernel engineer would see
 * (PAGE_OFFSET 0xffff888000000000, VMALLOC_START 0xffffc90000000000).
 */
export const DIRECT_MAP_BASE = 2 ** 52;
export const VMALLOC_BASE = 2 ** 52 + 2 ** 51;
export const VMALLOC_SIZE = 2 ** 45; // 32 TiB, as x86-64 4-level VMALLOC_SIZE_TB

/** The address a kernel engineer would see for a model kva. */
export function x86Address(kva: number): string {
  if (kva >= VMALLOC_BASE) return `0x${(0xffffc90000000000n + BigInt(kva - VMALLOC_BASE)).toString(16)}`;
  if (kva >= DIRECT_MAP_BASE) return `0x${(0xffff888000000000n + BigInt(kva - DIRECT_MAP_BASE)).toString(16)}`;
  return `0x${kva.toString(16)}`;
}

/**
 * __pa() of a vmalloc address as x86-64 computes it (__phys_addr_nodebug: an
 * address below __START_KERNEL_map is taken as x − PAGE_OFFSET): VMALLOC_START
 * − PAGE_OFFSET + the offset, 0x408000000000 onwards — no page of the mapping.
 */
export function x86PaOfVmalloc(kva: number): number {
  return Number(0xffffc90000000000n - 0xffff888000000000n) + (kva - VMALLOC_BASE);
}

export const isDirectMapKva = (kva: number) => kva >= DIRECT_MAP_BASE && kva < VMALLOC_BASE;
export const isVmallocKva = (kva: number) => kva >= VMALLOC_BASE;

/** get_order(): smallest order whose block holds `bytes`. */
export function getOrder(bytes: number): number {
  let order = 0;
  while (PAGE_SIZE * 2 ** order < bytes) order++;
  return order;
}

/** x % a === 0 for a power of two `a`: exact (x / a only moves the exponent) and without the floating-point remainder that addresses past 32 bits would take. */
export const isAligned = (x: number, a: number) => Number.isInteger(x / a);

/** x rounded down to a multiple of the power of two `a` (ALIGN_DOWN), without a floating-point remainder. */
export const alignDown = (x: number, a: number) => Math.floor(x / a) * a;

/** PFN_UP(). */
export const pfnUp = (bytes: number) => Math.ceil(bytes / PAGE_SIZE);

/** page_address() / __va(): the direct-map kva of a page frame. */
export const pageAddress = (pfn: number) => DIRECT_MAP_BASE + pfn * PAGE_SIZE;
