import { describe, expect, it } from 'vitest';
import { VECTORS_VALID_AT } from '../test/chains.js';
import { flipByte, readVector } from '../test/vectors.js';
import { parseQuote } from './quote-codec.js';
import { splitPemChain } from './pem.js';
import { INTEL_SGX_ROOT_CA_SHA256, verifyQuote as verifyAt, type VerifyQuoteOptions } from './verify-quote.js';

/** The vectors' certificates expire (2029, 2033): check them at a fixed time inside their validity. */
const verifyQuote = (bytes: Uint8Array, opts: VerifyQuoteOptions = {}) => verifyAt(bytes, { now: VECTORS_VALID_AT, ...opts });

const INTEL_ROOT_SUBJECT = 'C=US, ST=CA, L=Santa Clara, O=Intel Corporation, CN=Intel SGX Root CA';

for (const name of ['quoteV4', 'quoteV5'] as const) {
  describe(`verifyQuote on the real ${name}`, () => {
    const bytes = readVector(name);
    const q = parseQuote(bytes);
    const sigStart = q.signedLength + 4; // signature data begins after u32 sig_data_len
    const qeReportAt = sigStart + 128 + 6;
    const authAt = qeReportAt + 384 + 64 + 2;
    const pemAt = authAt + q.signatureData.qeAuthData.length + 6;

    it('passes every check and ends at the pinned Intel SGX Root CA', () => {
      const v = verifyQuote(bytes);
      expect(v.failures).toEqual([]);
      expect(v).toMatchObject({
        valid: true,
        quoteSignatureValid: true,
        qeReportSignatureValid: true,
        qeReportDataBindingValid: true,
        chainValid: true,
        chainLength: 3,
        rootTrusted: true,
        rootSha256: INTEL_SGX_ROOT_CA_SHA256,
      });
      expect(v.rootSubject.split(', ').sort()).toEqual(INTEL_ROOT_SUBJECT.split(', ').sort());
    });

    it('fails only the quote signature when one body byte changes (MRTD)', () => {
      const v = verifyQuote(flipByte(bytes, q.signedLength - 64 - 4 * 48 - 3 * 48 - 1));
      expect(v).toMatchObject({ valid: false, quoteSignatureValid: false, qeReportSignatureValid: true, qeReportDataBindingValid: true, chainValid: true });
    });

    it('fails the quote signature when one signature byte changes', () => {
      expect(verifyQuote(flipByte(bytes, sigStart + 5)).quoteSignatureValid).toBe(false);
    });

    it('fails the QE report signature when one QE report byte outside REPORTDATA changes', () => {
      const v = verifyQuote(flipByte(bytes, qeReportAt + 10));
      expect(v).toMatchObject({ qeReportSignatureValid: false, qeReportDataBindingValid: true, quoteSignatureValid: true });
    });

    it('fails the binding (and the QE report signature) when REPORTDATA[32:64] is not zero', () => {
      const v = verifyQuote(flipByte(bytes, qeReportAt + 320 + 40));
      expect(v).toMatchObject({ qeReportDataBindingValid: false, qeReportSignatureValid: false });
    });

    it('fails the binding when one QE auth data byte changes', () => {
      const v = verifyQuote(flipByte(bytes, authAt));
      expect(v).toMatchObject({ qeReportDataBindingValid: false, qeReportSignatureValid: true, quoteSignatureValid: true });
    });

    it('fails the binding and the quote signature when one attestation key byte changes', () => {
      const v = verifyQuote(flipByte(bytes, sigStart + 64 + 7));
      expect(v).toMatchObject({ qeReportDataBindingValid: false, quoteSignatureValid: false });
    });

    it('fails the chain when one byte of a certificate signature changes', () => {
      const pem = Buffer.from(q.signatureData.pckCertChain).toString('latin1');
      const leafEnd = pem.indexOf('-----END CERTIFICATE-----');
      // a base64 character near the end of the leaf is inside its signatureValue
      const at = pemAt + leafEnd - 10;
      const original = bytes[at] ?? 0;
      const tampered = bytes.slice();
      tampered[at] = original === 0x41 ? 0x42 : 0x41; // 'A' ↔ 'B', still base64
      const v = verifyQuote(tampered);
      expect(v.chainValid).toBe(false);
      expect(v.quoteSignatureValid).toBe(true);
    });

    it('fails the chain when a different root is trusted', () => {
      const pems = splitPemChain(q.signatureData.pckCertChain);
      const v = verifyQuote(bytes, { trustedRootPem: pems[1] ?? '' });
      expect(v).toMatchObject({ chainValid: false, rootTrusted: false, quoteSignatureValid: true });
      expect(verifyQuote(bytes, { trustedRootPem: pems[2] ?? '' }).chainValid).toBe(true);
    });
  });
}

describe('certificate validity periods', () => {
  const v4 = readVector('quoteV4');
  const v5 = readVector('quoteV5');

  it('are checked at the given time and reported', () => {
    const v = verifyAt(v4, { now: VECTORS_VALID_AT });
    expect(v).toMatchObject({ valid: true, datesValid: true, checkedAt: '2026-06-01T00:00:00.000Z' });
    expect(v.certificates.map((c) => [c.role, c.notBefore, c.notAfter])).toEqual([
      ['PCK leaf', '2022-09-20T13:20:31.000Z', '2029-09-20T13:20:31.000Z'],
      ['intermediate CA', '2018-05-21T10:50:10.000Z', '2033-05-21T10:50:10.000Z'],
      ['root CA', '2018-05-21T10:45:10.000Z', '2049-12-31T23:59:59.000Z'],
    ]);
  });

  it('fail the quote after the leaf expires and before it starts, naming the certificate', () => {
    const late = verifyAt(v4, { now: new Date('2030-01-01T00:00:00Z') });
    expect(late).toMatchObject({ valid: false, datesValid: false, chainValid: true, quoteSignatureValid: true });
    expect(late.failures).toEqual(['PCK leaf certificate is valid 2022-09-20T13:20:31.000Z to 2029-09-20T13:20:31.000Z, not at 2030-01-01T00:00:00.000Z']);
    const early = verifyAt(v5, { now: new Date('2025-12-31T00:00:00Z') });
    expect(early).toMatchObject({ valid: false, datesValid: false });
    expect(early.failures[0]).toMatch(/^PCK leaf certificate is valid 2026-01-27T14:36:27\.000Z to 2033/);
  });

  it('are skipped with checkValidity: false (datesValid and checkedAt null)', () => {
    expect(verifyAt(v4, { now: new Date('2030-01-01T00:00:00Z'), checkValidity: false })).toMatchObject({ valid: true, datesValid: null, checkedAt: null });
  });

  it('default to the current time', () => {
    const before = Date.now();
    const at = Date.parse(verifyAt(v4).checkedAt ?? '');
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('refuse an invalid Date as a caller error', () => {
    expect(() => verifyAt(v4, { now: new Date('not a date') })).toThrow(RangeError);
  });
});
