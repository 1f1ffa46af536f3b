import { describe, expect, it } from 'vitest';
import { parseQuoteBuf, QUOTE_BUF_STATUS, verifyQuote, parseQuote, toHex } from '@tdx-shbuf/tdx-formats';
import { testMachine } from '../../test-machine.js';
import { TDVMCALL_STATUS } from '../../../abi/tdcall.js';
import { GET_QUOTE_MAX_BUF_LEN, MAX_GET_QUOTE_REQUESTS, QGS_TRANSACTION_TIMEOUT_NS } from './get-quote.js';
import { ipiNs } from '../../../platform/cost.js';
import { GiB, KiB, PAGE_SIZE } from '../../../abi/units.js';
import { unwrap } from '../../../contract/errors.js';

const S = TDVMCALL_STATUS;

/** A booted TD and a shared, direct-mapped quote buffer holding a valid header and a TDREPORT. */
function rig(bytes = 8 * KiB, reportDataByte = 0x5a) {
  const m = testMachine({ memoryBytes: 4 * GiB, vcpus: 2 });
  const k = m.kernel;
  const pfn = unwrap(k.allocPagesExact(bytes, { zero: true }));
  const kva = k.pageAddress(pfn);
  unwrap(k.setMemoryDecrypted(kva, bytes / PAGE_SIZE));
  const gpa = pfn * PAGE_SIZE + m.sharedBit;
  const reportData = new Uint8Array(64).fill(reportDataByte);
  const report = unwrap(k.tdxMcallGetReport0(reportData));
  const header = (version = 1n, inLen = 1024) => {
    const h = new Uint8Array(24);
    const dv = new DataView(h.buffer);
    dv.setBigUint64(0, version, true);
    dv.setUint32(16, inLen, true);
    unwrap(k.write(kva, h));
    unwrap(k.write(kva + 24, report));
  };
  header();
  const buf = () => parseQuoteBuf(unwrap(k.read(kva, bytes)));
  /** Run `fn` on vCPU 0 and wait for every host task too. */
  const onVcpu = async <T>(fn: () => Promise<T> | T): Promise<T> => {
    const [r] = await m.sched.join([m.sched.spawn('vcpu0', 'vcpu', 0, async () => fn())]);
    await m.sched.join([...m.quoteHost.pending]);
    return r as T;
  };
  return { m, k, kva, gpa, bytes, header, buf, onVcpu, reportData };
}

describe('TDG.MR.REPORT (TDCALL leaf 4)', () => {
  it('writes a real TDREPORT carrying REPORTDATA, the configured MRTD and a MAC keyed by the platform seed', () => {
    const mrTd = 'ab'.repeat(48);
    const m = testMachine({ memoryBytes: 4 * GiB, measurements: { mrTd } });
    const r = unwrap(m.kernel.tdxMcallGetReport0(new Uint8Array(64).fill(7)));
    expect(r.length).toBe(1024);
    expect([...r.subarray(0, 3)]).toEqual([0x81, 0, 1]);
    expect(toHex(r.subarray(128, 192))).toBe('07'.repeat(64));
    expect(toHex(r.subarray(528, 576))).toBe(mrTd);
    const other = testMachine({ memoryBytes: 4 * GiB, measurements: { mrTd }, seed: 'another platform' });
    const r2 = unwrap(other.kernel.tdxMcallGetReport0(new Uint8Array(64).fill(7)));
    expect(toHex(r2.subarray(0, 224))).toBe(toHex(r.subarray(0, 224)));
    expect(toHex(r2.subarray(224, 256))).not.toBe(toHex(r.subarray(224, 256)));
  });

  it('rejects a shared or misaligned GPA and a non-zero subtype with TDX_OPERAND_INVALID', () => {
    const m = testMachine({ memoryBytes: 4 * GiB });
    const k = m.kernel;
    const pa = unwrap(k.allocPages(0)) * PAGE_SIZE;
    expect(k.tdcallMrReport(pa + 1024, pa, 0)).toBe(0n);
    expect(k.tdcallMrReport(pa + 1024, pa, 1)).not.toBe(0n);
    expect(k.tdcallMrReport(pa + 512, pa, 0)).not.toBe(0n);
    expect(k.tdcallMrReport(pa + 1024 + m.sharedBit, pa, 0)).not.toBe(0n);
    expect(k.tdxMcallGetReport0(new Uint8Array(63)).ok).toBe(false);
  });
});

describe('TDVMCALL<GetQuote> as QEMU tdx_handle_get_quote checks it', () => {
  it('a private GPA (no shared bit) is INVALID_OPERAND (KVM tdx_get_quote)', () => {
    const { k, gpa, m } = rig();
    expect(k.tdvmcallGetQuote(gpa - m.sharedBit, 8 * KiB)).toBe(S.INVALID_OPERAND);
  });
  it('length 0 is INVALID_OPERAND', () => {
    const { k, gpa } = rig();
    expect(k.tdvmcallGetQuote(gpa, 0)).toBe(S.INVALID_OPERAND);
  });
  it('a GPA or length not 4 KiB aligned is ALIGN_ERROR', () => {
    const { k, gpa } = rig();
    expect(k.tdvmcallGetQuote(gpa + 64, 4 * KiB)).toBe(S.ALIGN_ERROR);
    expect(k.tdvmcallGetQuote(gpa, 4 * KiB + 24)).toBe(S.ALIGN_ERROR);
  });
  it('header version ≠ 1 is INVALID_OPERAND', () => {
    const { k, gpa, header, buf } = rig();
    header(2n);
    expect(k.tdvmcallGetQuote(gpa, 8 * KiB)).toBe(S.INVALID_OPERAND);
    expect(buf().status).toBe(0n);
  });
  it('a length above 128 KiB is INVALID_OPERAND, 128 KiB itself is accepted', async () => {
    const big = rig(GET_QUOTE_MAX_BUF_LEN + 4 * KiB);
    expect(big.k.tdvmcallGetQuote(big.gpa, GET_QUOTE_MAX_BUF_LEN + 4 * KiB)).toBe(S.INVALID_OPERAND);
    const max = rig(GET_QUOTE_MAX_BUF_LEN);
    expect(await max.onVcpu(() => max.k.tdvmcallGetQuote(max.gpa, GET_QUOTE_MAX_BUF_LEN))).toBe(S.SUCCESS);
    expect(max.buf().status).toBe(QUOTE_BUF_STATUS.SUCCESS);
  });
  it('in_len > length − 24 is INVALID_OPERAND; in_len = length − 24 passes the check', () => {
    const { k, gpa, header } = rig(4 * KiB);
    header(1n, 4 * KiB - 23);
    expect(k.tdvmcallGetQuote(gpa, 4 * KiB)).toBe(S.INVALID_OPERAND);
    header(1n, 4 * KiB - 24);
    expect(k.tdvmcallGetQuote(gpa, 4 * KiB)).toBe(S.SUCCESS);
  });
  it('no quote service configured: status SERVICE_UNAVAILABLE written at once, call SUCCESS, no interrupt', async () => {
    const { k, m, gpa, buf, onVcpu } = rig();
    m.quoteHost.setFaults({ serviceConfigured: false });
    expect(k.tdvmcallSetupEventNotifyInterrupt(0xf3)).toBe(S.SUCCESS);
    expect(await onVcpu(() => k.tdvmcallGetQuote(gpa, 8 * KiB))).toBe(S.SUCCESS);
    expect(buf().status).toBe(QUOTE_BUF_STATUS.SERVICE_UNAVAILABLE);
    expect(m.quoteHost.stats.notifies).toBe(0);
  });
  it(`more than ${MAX_GET_QUOTE_REQUESTS} requests in flight: RETRY`, () => {
    const { k, gpa, m } = rig();
    for (let i = 0; i < MAX_GET_QUOTE_REQUESTS; i++) expect(k.tdvmcallGetQuote(gpa, 8 * KiB)).toBe(S.SUCCESS);
    expect(m.quoteHost.inFlight).toBe(MAX_GET_QUOTE_REQUESTS);
    expect(k.tdvmcallGetQuote(gpa, 8 * KiB)).toBe(S.RETRY);
    expect(m.quoteHost.stats.retries).toBe(1);
  });
});

describe('GetQuote completion', () => {
  it('marks IN_FLIGHT, then after quoteGenerationNs writes a verifiable quote at GPA+24, out_len and SUCCESS', async () => {
    const { k, m, gpa, buf, onVcpu, reportData } = rig();
    let t0 = 0;
    await onVcpu(() => {
      expect(k.tdvmcallGetQuote(gpa, 8 * KiB)).toBe(S.SUCCESS);
      expect(buf().status).toBe(QUOTE_BUF_STATUS.IN_FLIGHT);
      t0 = m.sched.now();
    });
    const b = buf();
    expect(b.status).toBe(QUOTE_BUF_STATUS.SUCCESS);
    const quote = b.data.subarray(0, b.outLen);
    expect(toHex(parseQuote(quote).body.reportData)).toBe(toHex(reportData));
    expect(verifyQuote(quote, { trustedRootPem: m.quoteHost.rootCaPem }).valid).toBe(true);
    expect(m.quoteHost.inFlight).toBe(0);
    expect(t0).toBeGreaterThan(0);
  });

  it('injects the registered notify vector into the registering vCPU after the IPI latency', async () => {
    const { k, m, gpa, onVcpu } = rig();
    const seen: { at: number; cpu: number }[] = [];
    unwrap(k.requestIrq(0xf3, () => seen.push({ at: m.sched.now(), cpu: m.sched.current.cpu })));
    let issued = 0;
    await m.sched.join([
      m.sched.spawn('vcpu1', 'vcpu', 1, async () => {
        expect(k.tdvmcallSetupEventNotifyInterrupt(0xf3)).toBe(S.SUCCESS);
        expect(k.tdvmcallGetQuote(gpa, 8 * KiB)).toBe(S.SUCCESS);
        issued = m.sched.now();
      }),
    ]);
    await onVcpu(() => m.sched.sleep(1e9));
    expect(seen).toHaveLength(1);
    expect(seen[0]!.cpu).toBe(1);
    expect(seen[0]!.at).toBeCloseTo(issued + m.cost.quoteGenerationNs + ipiNs(m.cost), 3);
  });

  it('SetupEventNotifyInterrupt accepts 32..255 only', () => {
    const { k } = rig();
    expect(k.tdvmcallSetupEventNotifyInterrupt(31)).toBe(S.INVALID_OPERAND);
    expect(k.tdvmcallSetupEventNotifyInterrupt(256)).toBe(S.INVALID_OPERAND);
    expect(k.tdvmcallSetupEventNotifyInterrupt(32)).toBe(S.SUCCESS);
    expect(k.tdvmcallSetupEventNotifyInterrupt(255)).toBe(S.SUCCESS);
  });

  it('a service that never answers: ERROR after the 30 s transaction timeout', async () => {
    const { k, m, gpa, buf, onVcpu } = rig();
    m.quoteHost.setFaults({ neverAnswers: true });
    const t = await onVcpu(() => {
      k.tdvmcallGetQuote(gpa, 8 * KiB);
      return m.sched.now();
    });
    expect(buf().status).toBe(QUOTE_BUF_STATUS.ERROR);
    expect(buf().outLen).toBe(0);
    expect(m.quoteHost.stats.timeouts).toBe(1);
    expect(t).toBeLessThan(QGS_TRANSACTION_TIMEOUT_NS);
  });

  it('a slow service stays IN_FLIGHT for the extra latency', async () => {
    const { k, m, gpa, buf } = rig();
    m.quoteHost.setFaults({ extraLatencyNs: 5e9 });
    const states: bigint[] = [];
    await m.sched.join([
      m.sched.spawn('vcpu0', 'vcpu', 0, async () => {
        k.tdvmcallGetQuote(gpa, 8 * KiB);
        await m.sched.sleep(4e9);
        states.push(buf().status);
        await m.sched.sleep(2e9);
        states.push(buf().status);
      }),
    ]);
    expect(states).toEqual([QUOTE_BUF_STATUS.IN_FLIGHT, QUOTE_BUF_STATUS.SUCCESS]);
  });

  it('an unreachable service completes with SERVICE_UNAVAILABLE', async () => {
    const { k, m, gpa, buf, onVcpu } = rig();
    m.quoteHost.setFaults({ serviceUnavailable: true });
    await onVcpu(() => k.tdvmcallGetQuote(gpa, 8 * KiB));
    expect(buf().status).toBe(QUOTE_BUF_STATUS.SERVICE_UNAVAILABLE);
  });

  it('a quote larger than the buffer is ERROR', async () => {
    const { k, m, gpa, buf, onVcpu } = rig(4 * KiB);
    m.quoteHost.setFaults({ padQuoteTo: 5006 }); // as the real QGS pads
    await onVcpu(() => k.tdvmcallGetQuote(gpa, 4 * KiB));
    expect(buf().status).toBe(QUOTE_BUF_STATUS.ERROR);
    const fits = rig(8 * KiB);
    fits.m.quoteHost.setFaults({ padQuoteTo: 5006 });
    await fits.onVcpu(() => fits.k.tdvmcallGetQuote(fits.gpa, 8 * KiB));
    expect(fits.buf().status).toBe(QUOTE_BUF_STATUS.SUCCESS);
    expect(fits.buf().outLen).toBe(5006);
  });

  it('a hostile host writes the out_len and status it likes', async () => {
    const { k, m, gpa, buf, onVcpu } = rig();
    m.quoteHost.setFaults({ lieOutLen: 0xffff_ffff, lieStatus: QUOTE_BUF_STATUS.SUCCESS, serviceUnavailable: true });
    await onVcpu(() => k.tdvmcallGetQuote(gpa, 8 * KiB));
    expect(buf().status).toBe(QUOTE_BUF_STATUS.SUCCESS);
    expect(buf().outLen).toBe(0xffff_ffff);
  });

  it('completing into a buffer the guest made private again is an invariant-4 violation', async () => {
    const { k, m, gpa, kva, onVcpu } = rig();
    await onVcpu(() => {
      k.tdvmcallGetQuote(gpa, 8 * KiB);
      unwrap(k.setMemoryEncrypted(kva, 2));
    });
    expect(m.inv.violations.map((v) => v.invariant)).toContain(4);
  });
});
