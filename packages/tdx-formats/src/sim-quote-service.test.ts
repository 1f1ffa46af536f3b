import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { flipByte } from '../test/vectors.js';
import { toHex } from './hex.js';
import { encodeGetQuoteRequest, parseQgsMessage, QGS_MSG_ERROR, unframeQgs } from './qgs.js';
import { parseQuote } from './quote-codec.js';
import { splitPemChain } from './pem.js';
import { createSimulatedQuoteService, type SimulatedQuoteService } from './sim-quote-service.js';
import { generateTdReport } from './tdreport-generate.js';
import { verifyQuote } from './verify-quote.js';

const platformMacKey = new Uint8Array(32).fill(0x5a);
const reportData = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
const mrTd = new Uint8Array(48).fill(0x42);
const report = generateTdReport({
  reportData,
  macKey: platformMacKey,
  measurements: { mrTd, rtmr: [new Uint8Array(48).fill(1), new Uint8Array(48).fill(2), new Uint8Array(48).fill(3), new Uint8Array(48).fill(4)] },
});

function quoteFrom(service: SimulatedQuoteService, request: Uint8Array): { errorCode: number; quote: Uint8Array } {
  const msg = parseQgsMessage(service.handleRequest(request));
  if (msg.kind !== 'get_quote_resp') throw new Error('expected a GET_QUOTE_RESP');
  return { errorCode: msg.header.errorCode, quote: msg.quote };
}

describe('createSimulatedQuoteService', () => {
  const service = createSimulatedQuoteService({ platformMacKey, seed: 'unit-test seed' });

  it('answers a QGS GET_QUOTE_REQ with a real-layout Quote v4 carrying the report fields', () => {
    const { errorCode, quote } = quoteFrom(service, encodeGetQuoteRequest(report));
    expect(errorCode).toBe(0);
    const q = parseQuote(quote);
    expect(q.header).toMatchObject({ version: 4, attKeyType: 2, teeType: 0x81 });
    expect(toHex(q.header.qeVendorId)).toBe('939a7233f79c4ca9940a0db3957f0607');
    expect(q.body.reportData).toEqual(reportData);
    expect(q.body.mrTd).toEqual(mrTd);
    expect(q.body.rtmr[3]).toEqual(new Uint8Array(48).fill(4));
    expect(q.body.tdAttributes).toEqual(report.subarray(512, 520));
    expect(q.body.xfam).toEqual(report.subarray(520, 528));
    expect(q.trailing.length).toBe(0);
  });

  it('signs it for real: every check passes against the simulated root, and the chain is not Intel', () => {
    const { quote } = quoteFrom(service, encodeGetQuoteRequest(report));
    const v = verifyQuote(quote, { trustedRootPem: service.rootCaPem });
    expect(v.failures).toEqual([]);
    expect(v).toMatchObject({ valid: true, chainLength: 3, rootSha256: service.rootSha256 });
    expect(v.rootSubject).toContain('CN=tdx-shbuf SIMULATED Root CA');
    const pinned = verifyQuote(quote);
    expect(pinned).toMatchObject({ valid: false, chainValid: false, rootTrusted: false, quoteSignatureValid: true, qeReportSignatureValid: true, qeReportDataBindingValid: true });
  });

  it('issues certificates node:crypto accepts (CA flags, issuer links, self-signed root)', () => {
    const [leaf, mid, root] = splitPemChain(service.pckCertChainPem).map((p) => new X509Certificate(p));
    expect(root?.ca).toBe(true);
    expect(mid?.ca).toBe(true);
    expect(leaf?.ca).toBe(false);
    expect(root?.verify(root.publicKey)).toBe(true);
    expect(leaf && mid && leaf.checkIssued(mid) && leaf.verify(mid.publicKey)).toBe(true);
    expect(leaf?.subject).toContain('SIMULATED PCK Certificate');
  });

  it('is deterministic for a seed and different across seeds', () => {
    const again = createSimulatedQuoteService({ platformMacKey, seed: 'unit-test seed' });
    expect(again.rootCaPem).toBe(service.rootCaPem);
    expect(quoteFrom(again, encodeGetQuoteRequest(report)).quote).toEqual(quoteFrom(service, encodeGetQuoteRequest(report)).quote);
    const other = createSimulatedQuoteService({ platformMacKey, seed: 'another seed' });
    expect(other.rootSha256).not.toBe(service.rootSha256);
    const random = createSimulatedQuoteService({ platformMacKey });
    expect(random.seed).toHaveLength(32);
  });

  it('shares its PKI and QE between services of one seed without letting a caller change them', () => {
    const before = quoteFrom(service, encodeGetQuoteRequest(report)).quote;
    const seedBytes = new TextEncoder().encode('unit-test seed');
    const first = createSimulatedQuoteService({ platformMacKey, seed: seedBytes });
    seedBytes.fill(0);
    first.seed.fill(0);
    first.attestationPublicKey.fill(0);
    const handedOut = first.quoteTdReport(report);
    if (handedOut.ok) handedOut.quote.fill(0);
    const second = createSimulatedQuoteService({ platformMacKey, seed: 'unit-test seed' });
    expect(second.attestationPublicKey).toEqual(service.attestationPublicKey);
    expect(quoteFrom(second, encodeGetQuoteRequest(report)).quote).toEqual(before);
    const otherAuth = createSimulatedQuoteService({ platformMacKey, seed: 'unit-test seed', qeAuthData: new Uint8Array(8).fill(1) });
    const withAuth = quoteFrom(otherAuth, encodeGetQuoteRequest(report)).quote;
    expect(parseQuote(withAuth).signatureData.qeAuthData).toEqual(new Uint8Array(8).fill(1));
    expect(verifyQuote(withAuth, { trustedRootPem: otherAuth.rootCaPem }).valid).toBe(true);
  });

  it('pads the quote with zeros to the reserved size and the padding parses as trailing bytes', () => {
    const padded = createSimulatedQuoteService({ platformMacKey, seed: 'unit-test seed', padQuoteTo: 5006 });
    const { quote } = quoteFrom(padded, encodeGetQuoteRequest(report));
    expect(quote.length).toBe(5006);
    const q = parseQuote(quote);
    expect(q.trailing.every((b) => b === 0)).toBe(true);
    expect(q.trailing.length).toBeGreaterThan(0);
    expect(verifyQuote(quote, { trustedRootPem: padded.rootCaPem }).valid).toBe(true);
  });

  it('works unframed too', () => {
    const raw = unframeQgs(encodeGetQuoteRequest(report));
    const msg = parseQgsMessage(service.handleRequest(raw, { framed: false }), { framed: false });
    expect(msg).toMatchObject({ kind: 'get_quote_resp', header: { errorCode: 0 } });
  });

  it('answers QGS error codes for bad TDREPORTs and bad messages', () => {
    const code = (req: Uint8Array) => quoteFrom(service, req).errorCode;
    const withByte = (at: number, v: number) => {
      const r = report.slice();
      r[at] = v;
      return encodeGetQuoteRequest(r);
    };
    expect(code(withByte(0, 0x00))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // type
    expect(code(withByte(1, 1))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // subtype
    expect(code(withByte(2, 2))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // version
    expect(code(withByte(3, 1))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // REPORTTYPE reserved
    expect(code(withByte(200, 1))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // REPORTMACSTRUCT reserved
    expect(code(withByte(1000, 1))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // TDINFO reserved
    expect(code(encodeGetQuoteRequest(flipByte(report, 130)))).toBe(QGS_MSG_ERROR.UNEXPECTED); // MAC
    expect(code(encodeGetQuoteRequest(report.subarray(0, 1000)))).toBe(QGS_MSG_ERROR.INVALID_PARAMETER); // size
    const wrongKey = createSimulatedQuoteService({ platformMacKey: new Uint8Array(32), seed: 'x' });
    expect(quoteFrom(wrongKey, encodeGetQuoteRequest(report)).errorCode).toBe(QGS_MSG_ERROR.UNEXPECTED);
    const badVersion = encodeGetQuoteRequest(report);
    badVersion[4] = 9;
    expect(code(badVersion)).toBe(QGS_MSG_ERROR.INVALID_VERSION);
    expect(code(encodeGetQuoteRequest(report).subarray(0, 500))).toBe(QGS_MSG_ERROR.INVALID_SIZE);
    const err = parseQgsMessage(service.handleRequest(withByte(0, 0)));
    expect(err.header.size).toBe(24);
  });
});
