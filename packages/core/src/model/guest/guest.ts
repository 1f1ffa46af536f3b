import type { Tdcall, Tdvmcall } from '../../abi/tdcall.js';
import type { GuestMemory } from '../memory/phys-mem.js';
import type { AliasExposure } from '../sim/alias-exposure.js';
import type { Sim } from '../sim/sim.js';
import type { DirectMap } from './mm/direct-map.js';
import type { PageAllocator } from './mm/page-alloc.js';
import type { VmapArea } from './mm/vmalloc.js';
import type { Workqueue } from './workqueue.js';

/**
 * What the guest kernel's code works with: its own memory management, the
 * CPU's view of guest memory (loads and stores through its mappings), and the
 * two ABIs to the outside — TDCALL to the TDX module and TDVMCALL to the host.
 * Nothing here reaches into the module or the host.
 */
export interface Guest extends Sim {
  /** Guest physical memory: the struct page owners guest/mm keeps, and the backings loads and stores reach. */
  readonly mem: GuestMemory;
  readonly pages: PageAllocator;
  readonly directMap: DirectMap;
  readonly vmap: VmapArea;
  /** The private-alias instrument set_memory runs its PTE changes through. */
  readonly exposure: AliasExposure;
  /** TDCALL: the TDX module's guest ABI. */
  readonly tdcall: Tdcall;
  /** TDG.VP.VMCALL: the host's guest ABI. */
  readonly tdvmcall: Tdvmcall;
  /** cc_mkdec(0): the shared bit (GPAW-1, from TDG.VP.INFO at boot). */
  readonly sharedBit: number;
  /** The system workqueue its deferred work runs on (kworker tasks). */
  readonly workqueue: Workqueue;
}
