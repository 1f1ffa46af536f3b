import { QUOTE_BUF_HEADER_SIZE, QUOTE_BUF_STATUS, QUOTE_HEADER_SIZE } from '@tdx-shbuf/tdx-formats';
import type { SharedBacking } from '../../memory/shared-backing.js';
import type { Sim } from '../../sim/sim.js';

/** Offsets in struct tdx_quote_buf (docs/model.md §6): u64 version, u64 status, u32 in_len, u32 out_len, u8 data[]. */
const STATUS_OFF = 8;
const OUT_LEN_OFF = 20;
/** REPORTDATA in a v4 quote: the 48-byte header, then 520 bytes of the TD quote body before it (docs/model.md §7). */
const QUOTE_V4_REPORTDATA_OFF = QUOTE_HEADER_SIZE + 520;

/**
 * What a hostile host does to one GetQuote beyond QEMU's protocol, decided
 * when QEMU accepts it (each a draw of the seeded fault plan,
 * docs/architecture.md "faults and adversary"). A real QEMU does none of this;
 * the guest driver must survive all of it (docs/model.md §6).
 */
export interface HostileAct {
  /** Write the configured lies (lieOutLen, lieStatus) at completion. */
  lie: boolean;
  /** Keep rewriting the buffer while the guest copies the quote out (a double fetch race). */
  rewrite: boolean;
  /** Write IN_FLIGHT back into the status this long after completing (ns), or never. */
  flipAfterNs: number | undefined;
  /** Hold the answer this long, ignoring QEMU's 30 s transaction timeout (ns): it lands after the guest gave up. */
  lateNs: number | undefined;
}

/** The per-request knobs of the quote-service faults. */
export interface HostileRates {
  lieRate?: number;
  rewriteDuringCopyOutRate?: number;
  flipToInFlightRate?: number;
  flipToInFlightAfterNs?: number;
  lateCompletionRate?: number;
  lateCompletionNs?: number;
}

/** Draw one request's hostile acts from the fault plan, in a fixed order (a knob at 0 draws nothing). */
export function drawHostileAct(m: Sim, f: HostileRates, lies: boolean): HostileAct {
  const roll = (p: number | undefined) => m.faults.roll(p ?? 0);
  return {
    lie: lies && (f.lieRate === undefined || f.lieRate >= 1 || roll(f.lieRate)),
    rewrite: roll(f.rewriteDuringCopyOutRate),
    flipAfterNs: roll(f.flipToInFlightRate) ? (f.flipToInFlightAfterNs ?? 1e6) : undefined,
    lateNs: roll(f.lateCompletionRate) ? (f.lateCompletionNs ?? 60e9) : undefined,
  };
}

/**
 * A host thread racing the guest's copy-out of a completed quote: every guest
 * fetch of `out_len` sees the next of [the true length, the whole buffer] in
 * turn (READ_ONCE in v7.0 takes one; v6.7's kvmemdup and outblob_len take two
 * different ones), and the quote's REPORTDATA reads flipped when the guest
 * copies the data, so what the guest returns is not what the QGS signed. It
 * stops at the guest's first fetch of `status` after one of `out_len` (the
 * copy-out is over), when the buffer is no longer shared, or when the next
 * GetQuote reuses the buffer (the returned function).
 */
export function raceCopyOut(memory: SharedBacking, bufGpa: number, bufLen: number, trueOutLen: number): () => void {
  const touches = (pa: number, len: number, off: number, n: number) => pa < bufGpa + off + n && pa + len > bufGpa + off;
  const rd = QUOTE_BUF_HEADER_SIZE + QUOTE_V4_REPORTDATA_OFF;
  const flipped = trueOutLen > QUOTE_V4_REPORTDATA_OFF ? Uint8Array.of(memory.read(bufGpa + rd, 1)[0]! ^ 0xff) : undefined;
  let outLenFetches = 0;
  let stop = () => {};
  stop = memory.raceGuestLoads(bufGpa, bufLen, (pa, len) => {
    if (!memory.isShared(bufGpa, bufLen) || (outLenFetches > 0 && touches(pa, len, STATUS_OFF, 8))) return stop();
    if (touches(pa, len, OUT_LEN_OFF, 4)) {
      const v = new Uint8Array(4);
      new DataView(v.buffer).setUint32(0, outLenFetches++ % 2 === 0 ? trueOutLen : bufLen, true);
      memory.write(bufGpa + OUT_LEN_OFF, v);
    }
    if (flipped && touches(pa, len, rd, 1)) memory.write(bufGpa + rd, flipped);
  });
  return stop;
}

/**
 * A write the protocol does not allow (the request is complete): it lands only
 * where the page is still shared — a host cannot reach private memory, so a
 * buffer the guest has converted back simply does not see it. Not a guest
 * violation either way.
 */
export function hostileWriteStatus(memory: SharedBacking, bufGpa: number, status: bigint): boolean {
  if (!memory.isShared(bufGpa + STATUS_OFF, 8)) return false;
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, status, true);
  memory.write(bufGpa + STATUS_OFF, b);
  return true;
}

export const { IN_FLIGHT } = QUOTE_BUF_STATUS;
