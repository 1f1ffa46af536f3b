import { describe, expect, it } from 'vitest';
import { parseQuote, QUOTE_BUF_STATUS } from '@tdx-shbuf/tdx-formats';
import { testMachine } from '../../test-machine.js';
import { GiB, KiB, PAGE_SIZE } from '../../../abi/units.js';
import { unwrap } from '../../../contract/errors.js';
import { QGS_TRANSACTION_TIMEOUT_NS } from './get-quote.js';

const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
const u64 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);

/** A TD with one shared 8 KiB quote buffer holding a request; `load(off, n)` is a guest load through the direct map. */
function rig(faults: Parameters<ReturnType<typeof testMachine>['quoteHost']['setFaults']>[0] = {}) {
  const m = testMachine({ memoryBytes: GiB, vcpus: 2, faults: { seed: 7 } });
  const k = m.kernel;
  const bytes = 8 * KiB;
  const pfn = unwrap(k.allocPagesExact(bytes, { zero: true }));
  const kva = k.pageAddress(pfn);
  unwrap(k.setMemoryDecrypted(kva, bytes / PAGE_SIZE));
  const gpa = pfn * PAGE_SIZE + m.sharedBit;
  const request = () => {
    const h = new Uint8Array(24);
    new DataView(h.buffer).setBigUint64(0, 1n, true);
    new DataView(h.buffer).setUint32(16, 1024, true);
    unwrap(k.write(kva, h));
    unwrap(k.write(kva + 24, unwrap(k.tdxMcallGetReport0(new Uint8Array(64).fill(0x33)))));
    return k.tdvmcallGetQuote(gpa, bytes);
  };
  const load = (off: number, n: number) => unwrap(k.read(kva + off, n));
  m.quoteHost.setFaults(faults);
  const run = async (fn: () => Promise<unknown>) => {
    await m.sched.join([m.sched.spawn('vcpu0', 'vcpu', 0, fn)]);
    await m.sched.join([...m.quoteHost.pending]);
  };
  return { m, k, kva, bytes, request, load, run };
}

describe("the hostile host (faults.quoteService beyond QEMU's protocol)", () => {
  it("rewriteDuringCopyOut: each guest fetch of out_len sees the truth, then the whole buffer, in turn; the quote's REPORTDATA reads flipped; a status fetch after it ends the race", async () => {
    const { m, request, load, run, bytes } = rig({ rewriteDuringCopyOutRate: 1 });
    const seen: number[] = [];
    let quote: Uint8Array = new Uint8Array(0);
    const after: number[] = [];
    await run(async () => {
      request();
      await m.sched.sleep(1e9);
      expect(u64(load(8, 8))).toBe(QUOTE_BUF_STATUS.SUCCESS); // polls before out_len do not stop it
      seen.push(u32(load(20, 4)));
      quote = load(24, seen[0]!);
      seen.push(u32(load(20, 4)), u32(load(20, 4)));
      load(8, 8); // the copy-out is over
      after.push(u32(load(20, 4)), u32(load(20, 4)));
    });
    const truth = seen[0]!;
    expect(truth).toBeGreaterThan(1000);
    expect(seen).toEqual([truth, bytes, truth]);
    expect(after).toEqual([truth, truth]); // the race is over: what the racer last wrote stays
    expect(parseQuote(quote).body.reportData[0]).toBe(0x33 ^ 0xff);
    expect(m.quoteHost.stats.hostile).toBe(1);
    expect(m.inv.violations).toEqual([]);
  });

  it('a new GetQuote on the buffer stops the racer of the last one', async () => {
    const { m, request, load, run } = rig({ rewriteDuringCopyOutRate: 1 });
    const lens: number[] = [];
    await run(async () => {
      request();
      await m.sched.sleep(1e9);
      m.quoteHost.setFaults({});
      request();
      await m.sched.sleep(1e9);
      lens.push(u32(load(20, 4)), u32(load(20, 4)));
    });
    expect(lens[0]).toBe(lens[1]);
    expect(lens[0]).toBeLessThan(8 * KiB - 24);
  });

  it('flipToInFlight: the status goes back to IN_FLIGHT after the delay; into a buffer made private again the write is simply lost (no violation)', async () => {
    const { m, request, load, run } = rig({ flipToInFlightRate: 1, flipToInFlightAfterNs: 5e6 });
    const states: bigint[] = [];
    await run(async () => {
      request();
      await m.sched.sleep(m.cost.quoteGenerationNs + 1e6);
      states.push(u64(load(8, 8)));
      await m.sched.sleep(5e6);
      states.push(u64(load(8, 8)));
    });
    expect(states).toEqual([QUOTE_BUF_STATUS.SUCCESS, QUOTE_BUF_STATUS.IN_FLIGHT]);
    const lost = rig({ flipToInFlightRate: 1, flipToInFlightAfterNs: 5e6 });
    await lost.run(async () => {
      lost.request();
      await lost.m.sched.sleep(lost.m.cost.quoteGenerationNs + 1e6);
      unwrap(lost.k.setMemoryEncrypted(lost.kva, 2));
    });
    expect(lost.m.inv.violations).toEqual([]);
  });

  it("lateCompletion: the answer lands after lateCompletionNs with SUCCESS, ignoring QEMU's 30 s transaction timeout", async () => {
    const { m, request, load, run } = rig({ lateCompletionRate: 1, lateCompletionNs: 45e9 });
    const states: bigint[] = [];
    await run(async () => {
      request();
      await m.sched.sleep(QGS_TRANSACTION_TIMEOUT_NS + 1e9);
      states.push(u64(load(8, 8)));
      await m.sched.sleep(15e9);
      states.push(u64(load(8, 8)));
    });
    expect(states).toEqual([QUOTE_BUF_STATUS.IN_FLIGHT, QUOTE_BUF_STATUS.SUCCESS]);
    expect(m.quoteHost.stats.timeouts).toBe(0);
  });

  it('lieRate draws per request from the seeded plan: some requests lie, the same ones for the same seed', async () => {
    const pattern = async () => {
      const r = rig({ lieStatus: QUOTE_BUF_STATUS.ERROR, lieRate: 0.5 });
      const out: bigint[] = [];
      await r.run(async () => {
        for (let i = 0; i < 16; i++) {
          r.request();
          await r.m.sched.sleep(1e9);
          out.push(u64(r.load(8, 8)));
        }
      });
      return out;
    };
    const a = await pattern();
    expect(a.filter((s) => s === QUOTE_BUF_STATUS.ERROR).length).toBeGreaterThan(2);
    expect(a.filter((s) => s === QUOTE_BUF_STATUS.SUCCESS).length).toBeGreaterThan(2);
    expect(await pattern()).toEqual(a);
  });
});
