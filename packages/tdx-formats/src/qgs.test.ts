import { describe, expect, it } from 'vitest';
import { readVector } from '../test/vectors.js';
import { encodeGetQuoteRequest, encodeGetQuoteResponse, parseQgsMessage, QGS_MSG_ERROR, serializeQgsMessage, unframeQgs } from './qgs.js';
import { inflateGetQuoteRequest } from './qgs-inflate.js';

const report = readVector('tdReport');

describe('QGS messages (DCAP qgs_msg_lib)', () => {
  it('frames a GET_QUOTE_REQ with a big-endian length and a 16-byte LE header', () => {
    const req = encodeGetQuoteRequest(report);
    expect(req.length).toBe(4 + 16 + 8 + 1024);
    expect(Buffer.from(req.subarray(0, 4)).readUInt32BE(0)).toBe(1048);
    // major 1, minor 1, type 0, size 1048, error 0, report_size 1024, id_list_size 0
    expect(Buffer.from(req.subarray(4, 28)).toString('hex')).toBe('01000100' + '00000000' + '18040000' + '00000000' + '00040000' + '00000000');
    const msg = parseQgsMessage(req);
    expect(msg.kind).toBe('get_quote_req');
    if (msg.kind === 'get_quote_req') expect(msg.report).toEqual(report);
    expect(serializeQgsMessage(msg)).toEqual(req);
  });

  it('round-trips a GET_QUOTE_RESP carrying a real quote and an id, framed and unframed', () => {
    const quote = readVector('quoteV4');
    const resp = encodeGetQuoteResponse({ quote, selectedId: Uint8Array.of(1, 2, 3) });
    const msg = parseQgsMessage(resp);
    expect(msg).toMatchObject({ kind: 'get_quote_resp', header: { type: 1, errorCode: 0, size: 24 + 3 + quote.length } });
    if (msg.kind === 'get_quote_resp') expect(msg.quote).toEqual(quote);
    expect(serializeQgsMessage(msg)).toEqual(resp);
    const raw = unframeQgs(resp);
    expect(serializeQgsMessage(parseQgsMessage(raw, { framed: false }), { framed: false })).toEqual(raw);
  });

  it('encodes an error response as a 24-byte message with zero sizes (qgs_msg_gen_error_resp)', () => {
    const raw = unframeQgs(encodeGetQuoteResponse({ errorCode: QGS_MSG_ERROR.INVALID_PARAMETER }));
    expect(Buffer.from(raw).toString('hex')).toBe('01000100' + '01000000' + '18000000' + '03200100' + '00000000' + '00000000');
  });

  it('rejects a length prefix, size or body sizes that disagree', () => {
    const req = encodeGetQuoteRequest(report);
    expect(() => parseQgsMessage(req.subarray(0, 100))).toThrow('QGS frame: length prefix at offset 0 is 1048, expected 96 (bytes that follow)');
    const badSize = req.slice();
    badSize[12] = 0x19;
    expect(() => parseQgsMessage(badSize)).toThrow('QGS message: size at offset 12 is 1049, expected 1048 (message length)');
  });

  it('inflates requests with qgs_msg_inflate_get_quote_req error codes', () => {
    const raw = unframeQgs(encodeGetQuoteRequest(report));
    expect(inflateGetQuoteRequest(raw)).toMatchObject({ ok: true, report });
    const mutate = (at: number, v: number) => {
      const m = raw.slice();
      m[at] = v;
      return inflateGetQuoteRequest(m);
    };
    expect(inflateGetQuoteRequest(raw.subarray(0, 20))).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_PARAMETER });
    expect(mutate(0, 2)).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_VERSION });
    expect(mutate(2, 7)).toMatchObject({ ok: true }); // minor version is not checked
    expect(mutate(4, 1)).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_TYPE });
    expect(mutate(8, 0)).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_SIZE });
    expect(mutate(12, 1)).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_CODE });
    expect(mutate(20, 1)).toMatchObject({ ok: false, errorCode: QGS_MSG_ERROR.INVALID_SIZE });
  });
});
