import type { Guest } from '../guest.js';
import { fail, ok, type Result } from '../../../contract/errors.js';
import { PageState } from '../../memory/phys-mem.js';
import { DIRECT_MAP_BASE, PAGE_SIZE, alignDown, isDirectMapKva, isVmallocKva, x86Address } from '../../../abi/units.js';

/**
 * Guest loads and stores through a kernel mapping. The mapping's protection
 * and the page's TDX state decide what happens (tdx_early_init comment,
 * docs/model.md §2): private mapping + shared page = guest shutdown (invariant 2);
 * private mapping + pending page = TD killed with SEPT_VE disabled
 * (invariant 3); shared mapping + private page = #VE (recoverable, counted).
 * The access fails with EFAULT in all three cases so nothing proceeds silently.
 */
/** The page at `kva` and its mapping's protection, as pfn × 2 + (1 if mapped private), or −1 when nothing maps it. */
function translate(m: Guest, kva: number): number {
  if (isDirectMapKva(kva)) {
    const pfn = Math.floor((kva - DIRECT_MAP_BASE) / PAGE_SIZE);
    if (pfn >= m.mem.maxPfn) return -1;
    const enc = m.directMap.encrypted(pfn);
    return enc === undefined ? -1 : pfn * 2 + (enc ? 1 : 0);
  }
  if (isVmallocKva(kva)) {
    const hit = m.vmap.lookup(kva);
    if (!hit) return -1;
    return hit.alias.pfns[hit.index]! * 2 + (hit.alias.enc[hit.index] === 1 ? 1 : 0);
  }
  return -1;
}

function each(m: Guest, kva: number, length: number, fn: (pa: number, encrypted: boolean, off: number, take: number) => void): Result<void> {
  let done = 0;
  while (done < length) {
    const addr = kva + done;
    const off = addr - alignDown(addr, PAGE_SIZE);
    const take = Math.min(PAGE_SIZE - off, length - done);
    const t = translate(m, addr);
    if (t < 0) return fail('EFAULT', `access to unmapped ${x86Address(addr)}`);
    const encrypted = (t & 1) === 1; // bit 0 survives ToInt32 of a number below 2^53
    const pfn = (t - (encrypted ? 1 : 0)) / 2;
    const state = m.mem.state(pfn);
    if (encrypted && state === PageState.Shared) {
      m.inv.record(2, pfn, 1, `access to shared page through a private mapping at ${x86Address(addr)} (guest shutdown on hardware)`);
      return fail('EFAULT', `private mapping of a shared page at ${x86Address(addr)}`);
    }
    if (encrypted && state === PageState.PrivatePending) {
      m.inv.record(3, pfn, 1, `access to an unaccepted page at ${x86Address(addr)}`);
      return fail('EFAULT', `unaccepted page at ${x86Address(addr)}`);
    }
    if (!encrypted && state !== PageState.Shared) {
      m.counters.veSharedMappingPrivatePage++;
      return fail('EFAULT', `#VE: shared mapping of a private page at ${x86Address(addr)}`);
    }
    fn(pfn * PAGE_SIZE + off, encrypted, done, take);
    done += take;
  }
  return ok();
}

/** A guest load of `length` bytes at `kva`. */
export function guestRead(m: Guest, kva: number, length: number): Result<Uint8Array> {
  const out = new Uint8Array(length);
  const r = each(m, kva, length, (pa, enc, off, take) => {
    if (!enc) m.mem.beforeSharedLoad(pa, take); // a host racing this load writes first
    m.mem.readInto(enc ? 'private' : 'shared', pa, take, out, off);
  });
  return r.ok ? ok(out) : r;
}

/** A guest store of `data` at `kva`. */
export function guestWrite(m: Guest, kva: number, data: Uint8Array): Result<void> {
  return each(m, kva, data.length, (pa, enc, off, take) => m.mem.writeFrom(enc ? 'private' : 'shared', pa, data, off, take));
}

/**
 * memset(kva, 0, length), charged at the copy bandwidth. A whole page is
 * zeroed by dropping its contents (a page never written reads as zero), so
 * zeroing megabytes costs the model nothing per byte.
 */
export function guestZero(m: Guest, kva: number, length: number): Result<void> {
  m.counters.bytesZeroed += length;
  m.sched.charge(length / m.cost.bounceBytesPerNs, 'copy');
  return each(m, kva, length, (pa, enc, _off, take) => m.mem.zeroData(enc ? 'private' : 'shared', pa, take));
}
