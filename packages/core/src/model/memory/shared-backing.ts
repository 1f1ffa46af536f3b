import { PageState, type GuestMemory } from './phys-mem.js';
import { PAGE_SIZE } from '../../abi/units.js';

/**
 * The host's view of guest memory: the shared backing only, addressed by
 * guest-physical address without the shared bit (what QEMU's
 * address_space_read/write reach through the memslots). Private pages are
 * not reachable from here at all.
 */
export class SharedBacking {
  constructor(private readonly mem: GuestMemory) {}

  /** End of guest-physical memory (bytes). */
  get limitPa(): number {
    return this.mem.maxPfn * PAGE_SIZE;
  }

  /** Whether every byte of [pa, pa + length) lies in a page that is shared now. */
  isShared(pa: number, length: number): boolean {
    if (pa < 0 || length <= 0) return false;
    const first = Math.floor(pa / PAGE_SIZE);
    const last = Math.floor((pa + length - 1) / PAGE_SIZE);
    if (last >= this.mem.maxPfn) return false;
    return this.mem.allInState(first, last - first + 1, PageState.Shared);
  }

  /** Read the shared backing; never-written (or since converted) pages read as zero. */
  read(pa: number, length: number): Uint8Array {
    return this.mem.readData('shared', pa, length);
  }

  /**
   * A host thread that keeps rewriting [pa, pa + length) while the guest reads
   * it: `write` runs just before every guest load overlapping the range (the
   * worst interleaving of a real race, where each guest fetch may see a new
   * value). Returns the function that stops it.
   */
  raceGuestLoads(pa: number, length: number, write: (pa: number, length: number) => void): () => void {
    return this.mem.addRacer(pa, length, write);
  }

  /** Write the shared backing (the caller checked `isShared`). */
  write(pa: number, data: Uint8Array): void {
    this.mem.writeData('shared', pa, data);
  }
}
