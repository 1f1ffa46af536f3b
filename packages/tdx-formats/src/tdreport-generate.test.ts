import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flipByte, readVector } from '../test/vectors.js';
import { toHex } from './hex.js';
import { parseTdReport } from './tdreport.js';
import { generateTdReport, verifyTdReport } from './tdreport-generate.js';

const macKey = new Uint8Array(32).fill(7);
const reportData = Uint8Array.from({ length: 64 }, (_, i) => i);
const mr = (b: number) => new Uint8Array(48).fill(b);

describe('generateTdReport (TDG.MR.REPORT model)', () => {
  it('builds a TDX 1.5 report by default with REPORTDATA at 128 and the documented defaults', () => {
    const bytes = generateTdReport({ reportData, macKey });
    const r = parseTdReport(bytes);
    expect(r.reportType).toEqual({ type: 0x81, subtype: 0, version: 1, reserved: 0 });
    expect(r.reportData).toEqual(reportData);
    expect(toHex(r.tdInfo.attributes)).toBe('0000001000000000');
    expect(toHex(r.tdInfo.xfam)).toBe('e702060000000000');
    expect(toHex(r.teeTcbInfo.valid)).toBe('ff01000000000000');
    expect(verifyTdReport(bytes, macKey)).toEqual({ valid: true, verdict: 'verified', teeTcbInfoHashValid: true, teeInfoHashValid: true, macValid: true });
  });

  it('places every measurement at its docs/model.md §7 offset (1.5 fields included)', () => {
    const bytes = generateTdReport({
      reportData,
      macKey,
      tdxVersion: '1.5',
      measurements: {
        mrTd: mr(1),
        rtmr: [mr(2), mr(3), mr(4), mr(5)],
        mrConfigId: mr(6),
        mrOwner: mr(7),
        mrOwnerConfig: mr(8),
        mrSeam: mr(9),
        mrSignerSeam: mr(10),
        teeTcbSvn2: new Uint8Array(16).fill(11),
        servTdHash: mr(12),
        cpuSvn: new Uint8Array(16).fill(13),
      },
    });
    const at = (o: number) => bytes[o];
    expect([at(528), at(720), at(768), at(816), at(864), at(576), at(624), at(672), at(280), at(328), at(384), at(912), at(16)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(parseTdReport(bytes).tdInfo.servTdHash).toEqual(mr(12));
  });

  it('builds a TDX 1.0 report (version 0) without the 1.5 fields', () => {
    const bytes = generateTdReport({ reportData, macKey, tdxVersion: '1.0', measurements: { teeTcbSvn2: new Uint8Array(16).fill(1), servTdHash: mr(1) } });
    expect(bytes[2]).toBe(0);
    expect(bytes[384]).toBe(0);
    expect(bytes[912]).toBe(0);
    expect(verifyTdReport(bytes, macKey).valid).toBe(true);
  });

  it('rejects a REPORTDATA that is not 64 bytes', () => {
    expect(() => generateTdReport({ reportData: new Uint8Array(32), macKey })).toThrow('TDREPORT_STRUCT: REPORTDATA at offset 128 is 32 bytes long, expected 64 bytes');
  });
});

describe('verifyTdReport', () => {
  it('finds both hashes of the real DCAP test TDREPORT consistent, and does not call it valid without the MAC key', () => {
    expect(verifyTdReport(readVector('tdReport'))).toEqual({ valid: false, verdict: 'consistent', teeTcbInfoHashValid: true, teeInfoHashValid: true, macValid: undefined });
  });

  it('a forged TDREPORT (MRTD changed, both SHA-384 bindings recomputed) is only consistent (regression: it was "verified")', () => {
    const forged = readVector('tdReport');
    forged.fill(0x41, 528, 576); // MRTD
    forged.set(createHash('sha384').update(forged.subarray(256, 495)).digest(), 32);
    forged.set(createHash('sha384').update(forged.subarray(512, 1024)).digest(), 80);
    expect(verifyTdReport(forged)).toEqual({ valid: false, verdict: 'consistent', teeTcbInfoHashValid: true, teeInfoHashValid: true, macValid: undefined });
    // with the platform key (simulated reports only), the same forgery fails
    const simulated = generateTdReport({ reportData, macKey });
    simulated.fill(0x41, 528, 576);
    simulated.set(createHash('sha384').update(simulated.subarray(512, 1024)).digest(), 80);
    expect(verifyTdReport(simulated, macKey)).toMatchObject({ valid: false, verdict: 'failed', teeInfoHashValid: true, macValid: false });
  });

  it('fails the matching hash when one TEE_TCB_INFO or TDINFO byte changes', () => {
    const real = readVector('tdReport');
    expect(verifyTdReport(flipByte(real, 300))).toMatchObject({ valid: false, verdict: 'failed', teeTcbInfoHashValid: false, teeInfoHashValid: true });
    expect(verifyTdReport(flipByte(real, 600))).toMatchObject({ valid: false, teeTcbInfoHashValid: true, teeInfoHashValid: false });
  });

  it('fails the MAC on a changed REPORTDATA byte or with another platform key', () => {
    const bytes = generateTdReport({ reportData, macKey });
    expect(verifyTdReport(flipByte(bytes, 130), macKey)).toMatchObject({ valid: false, macValid: false, teeTcbInfoHashValid: true });
    expect(verifyTdReport(bytes, new Uint8Array(32))).toMatchObject({ valid: false, macValid: false });
    expect(verifyTdReport(bytes.subarray(0, 1000), macKey).valid).toBe(false);
  });
});
