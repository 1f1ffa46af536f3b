import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVector } from '../test/vectors.js';
import { tryParse } from './errors.js';
import { toHex } from './hex.js';
import { parseTdReport, serializeTdReport, TDREPORT_SIZE } from './tdreport.js';

describe('TDREPORT_STRUCT (real vector tdreport_for_test)', () => {
  const bytes = readVector('tdReport');
  const r = parseTdReport(bytes);

  it('reads REPORTTYPE 81 00 00 00 as TDX 1.0', () => {
    expect(r.reportType).toEqual({ type: 0x81, subtype: 0, version: 0, reserved: 0 });
    expect(r.tdxVersion).toBe('1.0');
    expect(r.teeTcbInfo.teeTcbSvn2).toBeUndefined();
    expect(r.tdInfo.servTdHash).toBeUndefined();
  });

  it('reads the README facts: VALID 0x1ff, attributes, XFAM, MRTD, REPORTDATA', () => {
    expect(new DataView(r.teeTcbInfo.valid.buffer).getBigUint64(0, true)).toBe(0x1ffn);
    expect(toHex(r.tdInfo.attributes)).toBe('0000005000000000');
    expect(toHex(r.tdInfo.xfam)).toBe('e702060000000000');
    expect(toHex(r.tdInfo.mrTd)).toBe('bb1249bde960ef9b22d56eefb94b7f40ca3b528b31e6e4af0babb075c02ce5c1f63681101779927ea604f5aa49ec95b3');
    expect(toHex(r.reportData).startsWith('b46a00eb')).toBe(true);
    expect(toHex(r.reportData).endsWith('2257bd07')).toBe(true);
  });

  it('holds SHA-384 of TEE_TCB_INFO and TDINFO at 32 and 80', () => {
    expect(toHex(r.teeTcbInfoHash)).toBe(createHash('sha384').update(bytes.subarray(256, 495)).digest('hex'));
    expect(toHex(r.teeInfoHash)).toBe(createHash('sha384').update(bytes.subarray(512, 1024)).digest('hex'));
  });

  it('serializes byte-identically', () => {
    expect(serializeTdReport(r)).toEqual(bytes);
  });

  it('parses a TDX 1.5 layout (version 1) with TEE_TCB_SVN2 at 384 and SERVTD_HASH at 912', () => {
    const v15 = bytes.slice();
    v15[2] = 1;
    v15.fill(0xaa, 384, 400);
    v15.fill(0xbb, 912, 960);
    const p = parseTdReport(v15);
    expect(p.tdxVersion).toBe('1.5');
    expect(p.teeTcbInfo.teeTcbSvn2).toEqual(new Uint8Array(16).fill(0xaa));
    expect(p.tdInfo.servTdHash).toEqual(new Uint8Array(48).fill(0xbb));
    expect(p.teeTcbInfo.reserved).toHaveLength(95);
    expect(p.tdInfo.reserved).toHaveLength(64);
    expect(serializeTdReport(p)).toEqual(v15);
  });

  it('rejects a wrong size, type, subtype or version with a FormatError naming the field', () => {
    const cases: [Uint8Array, string][] = [
      [bytes.subarray(0, 1000), 'TDREPORT_STRUCT: length at offset 0 is 1000 bytes, expected 1024 bytes'],
      [Uint8Array.from([0x80, ...bytes.subarray(1)]), 'TDREPORT_STRUCT: REPORTTYPE.TYPE at offset 0 is 0x80, expected 0x81 (TDX)'],
      [Uint8Array.from([0x81, 1, ...bytes.subarray(2)]), 'TDREPORT_STRUCT: unsupported REPORTTYPE.SUBTYPE at offset 1 is 1, expected 0'],
      [Uint8Array.from([0x81, 0, 2, ...bytes.subarray(3)]), 'TDREPORT_STRUCT: unsupported REPORTTYPE.VERSION at offset 2 is 2, expected 0 (TDX 1.0) or 1 (TDX 1.5)'],
    ];
    for (const [input, message] of cases) {
      const res = tryParse(parseTdReport, input);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.message).toBe(message);
    }
    expect(TDREPORT_SIZE).toBe(1024);
  });

  it('refuses to serialize a field of the wrong size', () => {
    expect(() => serializeTdReport({ ...r, reportData: new Uint8Array(63) })).toThrow('TDREPORT_STRUCT: REPORTDATA at offset 128 is 63 bytes long, expected 64 bytes');
  });
});
