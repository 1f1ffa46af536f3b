import type { Sim } from '../../sim/sim.js';
import { GiB, MiB, PAGE_SHIFT, PAGE_SIZE } from '../../../abi/units.js';

/** include/linux/swiotlb.h (docs/model.md §4). */
export const IO_TLB_SHIFT = 11;
export const IO_TLB_SIZE = 1 << IO_TLB_SHIFT;
export const IO_TLB_SEGSIZE = 128;
/** swiotlb_max_mapping_size(): 128 slots × 2 KiB = 256 KiB. */
export const SWIOTLB_MAX_MAPPING = IO_TLB_SEGSIZE * IO_TLB_SIZE;
export const IO_TLB_DEFAULT_SIZE = 64 * MiB;

const roundupPow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));

/**
 * CoCo sizing (arch/x86/mm/mem_encrypt.c mem_encrypt_setup_arch): 6 % of RAM
 * clamped to [64 MiB, 1 GiB]; swiotlb_adjust_size() aligns to IO_TLB_SEGSIZE
 * slots, and the power-of-two rounding of swiotlb_init_remap() (see
 * swiotlbGeometry) makes it this.
 */
export function swiotlbDefaultBytes(memoryBytes: number): number {
  const size = Math.min(Math.max(Math.floor((memoryBytes * 6) / 100), IO_TLB_DEFAULT_SIZE), GiB);
  const aligned = Math.ceil(size / IO_TLB_SIZE);
  const nslabs = Math.ceil(aligned / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  return roundupPow2(nslabs) * IO_TLB_SIZE;
}

/**
 * The pool swiotlb_init_remap() allocates for a requested size (the CoCo
 * default or swiotlb=<slots>, aligned to IO_TLB_SEGSIZE slots): the area
 * count is `areas` (swiotlb=,<areas>) or num_possible_cpus(), rounded up to a
 * power of two (swiotlb_adjust_nareas); round_up_default_nslabs() then raises
 * the slots to at least IO_TLB_SEGSIZE × areas and to a power of two — a TD
 * with many vCPUs gets a bigger pool, never fewer areas (limit_nareas() has
 * nothing left to cut).
 */
export function swiotlbGeometry(requestedBytes: number, cpus: number, areas?: number): { nslabs: number; nareas: number; bytes: number } {
  const nareas = roundupPow2(Math.max(1, areas ?? cpus));
  let nslabs = Math.ceil(Math.ceil(requestedBytes / IO_TLB_SIZE) / IO_TLB_SEGSIZE) * IO_TLB_SEGSIZE;
  nslabs = roundupPow2(Math.max(nslabs, IO_TLB_SEGSIZE * nareas));
  return { nslabs, nareas, bytes: nslabs * IO_TLB_SIZE };
}

/**
 * The default SWIOTLB pool (kernel/dma/swiotlb.c): 2 KiB slots, `list[i]` the
 * number of free contiguous slots from i to its segment's end, per-CPU areas
 * each searched from its own index, the current CPU's area first. The pool was
 * decrypted once at boot; mapping never converts memory.
 */
export class Swiotlb {
  readonly nslabs: number;
  readonly nareas: number;
  /**
   * Slot state per IO_TLB_SEGSIZE segment, made on the segment's first
   * mapping: a slot of a segment never used has the state
   * swiotlb_init_io_tlb_pool() gives it (list[i] = IO_TLB_SEGSIZE −
   * io_tlb_offset(i), no original address, no size), so a 1 GiB pool costs
   * nothing until mapped into.
   */
  private readonly segments: (Segment | undefined)[];
  private readonly areaIndex: number[];
  private readonly areaUsed: number[];

  constructor(
    private readonly m: Sim,
    /** First page frame of the pool. */
    readonly startPfn: number,
    geometry: { nslabs: number; nareas: number },
  ) {
    this.nslabs = geometry.nslabs;
    this.nareas = geometry.nareas;
    this.segments = new Array<Segment | undefined>(Math.ceil(this.nslabs / IO_TLB_SEGSIZE)).fill(undefined);
    this.areaIndex = new Array(this.nareas).fill(0);
    this.areaUsed = new Array(this.nareas).fill(0);
  }

  /** Pool size in bytes. */
  get bytes(): number {
    return this.nslabs * IO_TLB_SIZE;
  }

  /** Pool start as a physical address. */
  get startPa(): number {
    return this.startPfn * PAGE_SIZE;
  }

  /** Slots in use (mem_used()). */
  get used(): number {
    return this.areaUsed.reduce((a, b) => a + b, 0);
  }

  /** Whether `pa` is inside the pool (is_swiotlb_buffer()). */
  contains(pa: number): boolean {
    return pa >= this.startPa && pa < this.startPa + this.bytes;
  }

  /**
   * swiotlb_find_slots() for `size` bytes: the slot physical address, or a
   * failure message as swiotlb_tbl_map_single() prints it.
   */
  findSlots(origPa: number, size: number): { pa: number } | { error: string } {
    const nslots = Math.ceil(size / IO_TLB_SIZE);
    const full = { error: `swiotlb buffer is full (sz: ${size} bytes), total ${this.nslabs} (slots), used ${this.used} (slots)` };
    if (size <= 0) return { error: `Invalid sizes (mapping: ${size} bytes)` };
    if (nslots > IO_TLB_SEGSIZE) return full;
    // page-sized and larger requests are page aligned: stride of 2 slots
    const stride = size >= PAGE_SIZE ? 1 << (PAGE_SHIFT - IO_TLB_SHIFT) : 1;
    const start = this.m.sched.current.cpu & (this.nareas - 1);
    let a = start;
    do {
      const index = this.areaFindSlots(a, nslots, stride);
      if (index >= 0) {
        // an allocation never crosses a segment: every slot touched here is in index's
        const seg = this.segment(index);
        const base = index - (index % IO_TLB_SEGSIZE);
        for (let i = index; i < index + nslots; i++) {
          seg.list[i - base] = 0;
          seg.origAddr[i - base] = origPa + (i - index) * IO_TLB_SIZE;
        }
        seg.allocSize[index - base] = size;
        // the free slots just before now end at this allocation
        let count = 0;
        for (let i = index - 1; i >= base && seg.list[i - base]! > 0; i--) seg.list[i - base] = ++count;
        this.areaUsed[a]! += nslots;
        return { pa: this.startPa + index * IO_TLB_SIZE };
      }
      if (++a >= this.nareas) a = 0;
    } while (a !== start);
    return full;
  }

  /** swiotlb_release_slots(): free the slots of a mapping, re-merging free runs within the segment. */
  releaseSlots(pa: number): number {
    const index = (pa - this.startPa) / IO_TLB_SIZE;
    const seg = this.segment(index);
    const base = index - (index % IO_TLB_SEGSIZE);
    const size = seg.allocSize[index - base]!;
    const nslots = Math.ceil(size / IO_TLB_SIZE);
    const areaSlots = this.nslabs / this.nareas;
    const a = Math.floor(index / areaSlots);
    let count = index + nslots < this.nslabs && (index + nslots) % IO_TLB_SEGSIZE !== 0 ? seg.list[index + nslots - base]! : 0;
    for (let i = index + nslots - 1; i >= index; i--) {
      seg.list[i - base] = ++count;
      seg.origAddr[i - base] = -1;
    }
    seg.allocSize[index - base] = 0;
    for (let i = index - 1; i >= base && seg.list[i - base]! > 0; i--) seg.list[i - base] = ++count;
    this.areaUsed[a]! -= nslots;
    return size;
  }

  /** Original (kernel buffer) address a slot bounces for. */
  origOf(pa: number): number {
    const i = (pa - this.startPa) / IO_TLB_SIZE;
    const seg = this.segments[Math.floor(i / IO_TLB_SEGSIZE)];
    return seg ? seg.origAddr[i % IO_TLB_SEGSIZE]! : -1;
  }

  /** list[i]: free contiguous slots from slot i to its segment's end. */
  private free(i: number): number {
    const seg = this.segments[Math.floor(i / IO_TLB_SEGSIZE)];
    return seg ? seg.list[i % IO_TLB_SEGSIZE]! : IO_TLB_SEGSIZE - (i % IO_TLB_SEGSIZE);
  }

  /** The state of slot i's segment, made as swiotlb_init_io_tlb_pool() left it on first use. */
  private segment(i: number): Segment {
    const k = Math.floor(i / IO_TLB_SEGSIZE);
    let seg = this.segments[k];
    if (!seg) {
      seg = { list: new Int32Array(IO_TLB_SEGSIZE), origAddr: new Float64Array(IO_TLB_SEGSIZE).fill(-1), allocSize: new Int32Array(IO_TLB_SEGSIZE) };
      // swiotlb_init_io_tlb_pool(): list[i] = IO_TLB_SEGSIZE - io_tlb_offset(i)
      for (let j = 0; j < IO_TLB_SEGSIZE; j++) seg.list[j] = IO_TLB_SEGSIZE - j;
      this.segments[k] = seg;
    }
    return seg;
  }

  private areaFindSlots(a: number, nslots: number, stride: number): number {
    const areaSlots = this.nslabs / this.nareas;
    const base = a * areaSlots;
    let off = this.areaIndex[a]! - (this.areaIndex[a]! % stride);
    for (let tried = 0; tried < areaSlots; tried += stride) {
      if (off >= areaSlots) off = 0;
      const i = base + off;
      if (this.free(i) >= nslots) {
        this.areaIndex[a] = (off + nslots) % areaSlots;
        return i;
      }
      off += stride;
    }
    return -1;
  }
}

/** One segment's slots: list (free run from each slot to the segment's end), original address bounced for (−1: none), mapping size at a mapping's first slot. */
interface Segment {
  readonly list: Int32Array;
  readonly origAddr: Float64Array;
  readonly allocSize: Int32Array;
}
