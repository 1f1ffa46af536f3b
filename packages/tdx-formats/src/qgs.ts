/**
 * QGS messages (docs/model.md §7; DCAP QuoteGeneration/quote_wrapper/qgs_msg_lib:
 * qgs_msg_lib.h, qgs_msg_lib.cpp). On the wire a message is preceded by a
 * 4-byte **big-endian** length (the transport framing used by libtdx_attest
 * and the QGS server); the message itself is little-endian:
 * header {u16 major, u16 minor, u32 type, u32 size (whole message), u32 error_code},
 * GET_QUOTE_REQ body {u32 report_size, u32 id_list_size, report, id list},
 * GET_QUOTE_RESP body {u32 selected_id_size, u32 quote_size, id, quote}.
 */
import { ByteReader, ByteWriter } from './bytes.js';

/** Message header size, qgs_msg_header_t. */
export const QGS_HEADER_SIZE = 16;
/** qgs_msg_lib major version (the only field qgs_msg_inflate_* checks). */
export const QGS_MSG_MAJOR_VERSION = 1;
/** Minor version we write: 1 as in current DCAP/QEMU; DCAP 2021 wrote 0 and QGS ignores it ("minor change is deemed as compatible"). */
export const QGS_MSG_MINOR_VERSION = 1;
/** Message types, qgs_msg_type_t. */
export const QGS_MSG_TYPE = { GET_QUOTE_REQ: 0, GET_QUOTE_RESP: 1 } as const;
/** qgs_msg_error_t: 0x00012000 | n. INVALID_CODE (7) is in qgs_msg_lib.h though not in docs/model.md §7. */
export const QGS_MSG_ERROR = {
  SUCCESS: 0,
  UNEXPECTED: 0x00012001,
  OUT_OF_MEMORY: 0x00012002,
  INVALID_PARAMETER: 0x00012003,
  INVALID_VERSION: 0x00012004,
  INVALID_TYPE: 0x00012005,
  INVALID_SIZE: 0x00012006,
  INVALID_CODE: 0x00012007,
} as const;

/** qgs_msg_header_t. */
export interface QgsHeader {
  majorVersion: number;
  minorVersion: number;
  type: number;
  size: number;
  errorCode: number;
}

/** A GET_QUOTE_REQ message. */
export interface QgsGetQuoteRequest {
  kind: 'get_quote_req';
  header: QgsHeader;
  report: Uint8Array;
  idList: Uint8Array;
}

/** A GET_QUOTE_RESP message (an error response has empty id and quote). */
export interface QgsGetQuoteResponse {
  kind: 'get_quote_resp';
  header: QgsHeader;
  selectedId: Uint8Array;
  quote: Uint8Array;
}

/** Either message this package understands. */
export type QgsMessage = QgsGetQuoteRequest | QgsGetQuoteResponse;

/** Framing option: `framed` (default true) means a 4-byte big-endian length precedes the message. */
export interface QgsFraming {
  framed?: boolean;
}

/** Strip the 4-byte big-endian length prefix; the prefix must equal the rest's length. Throws only FormatError. */
export function unframeQgs(bytes: Uint8Array): Uint8Array {
  const r = new ByteReader(bytes, 'QGS frame');
  const len = r.u32be('length prefix');
  if (len !== r.remaining) throw r.error('length prefix', 0, String(len), `${r.remaining} (bytes that follow)`);
  return r.rest();
}

/** Prefix a message with its 4-byte big-endian length. */
export function frameQgs(message: Uint8Array): Uint8Array {
  return new ByteWriter('QGS frame').u32be(message.length, 'length prefix').bytes(message, 'message').finish();
}

/** Parse one QGS message (GET_QUOTE_REQ or GET_QUOTE_RESP). Throws only FormatError. */
export function parseQgsMessage(bytes: Uint8Array, opts: QgsFraming = {}): QgsMessage {
  const framed = opts.framed ?? true;
  const msg = framed ? unframeQgs(bytes) : bytes;
  const base = framed ? 4 : 0;
  const r = new ByteReader(msg, 'QGS message');
  const header: QgsHeader = { majorVersion: r.u16('major_version'), minorVersion: r.u16('minor_version'), type: r.u32('type'), size: r.u32('size'), errorCode: r.u32('error_code') };
  if (header.majorVersion !== QGS_MSG_MAJOR_VERSION) throw r.error('major_version', base, String(header.majorVersion), '1', 'unsupported');
  if (header.type !== QGS_MSG_TYPE.GET_QUOTE_REQ && header.type !== QGS_MSG_TYPE.GET_QUOTE_RESP) {
    throw r.error('type', base + 4, String(header.type), '0 (GET_QUOTE_REQ) or 1 (GET_QUOTE_RESP)', 'unsupported');
  }
  if (header.size !== msg.length) throw r.error('size', base + 8, String(header.size), `${msg.length} (message length)`);
  const isReq = header.type === QGS_MSG_TYPE.GET_QUOTE_REQ;
  const aName = isReq ? 'report_size' : 'selected_id_size';
  const bName = isReq ? 'id_list_size' : 'quote_size';
  const a = r.u32(aName);
  const b = r.u32(bName);
  if (a + b !== r.remaining) throw r.error(bName, base + 20, `${b} (with ${aName} ${a})`, `${aName} + ${bName} = ${r.remaining}`);
  const first = r.take(a, isReq ? 'report' : 'selected id');
  const second = r.take(b, isReq ? 'id list' : 'quote');
  return isReq ? { kind: 'get_quote_req', header, report: first, idList: second } : { kind: 'get_quote_resp', header, selectedId: first, quote: second };
}

/** Serialize a message as given (header.size included verbatim). Throws only FormatError. */
export function serializeQgsMessage(msg: QgsMessage, opts: QgsFraming = {}): Uint8Array {
  const w = new ByteWriter('QGS message');
  const h = msg.header;
  w.u16(h.majorVersion, 'major_version').u16(h.minorVersion, 'minor_version').u32(h.type, 'type').u32(h.size, 'size').u32(h.errorCode, 'error_code');
  const [a, b] = msg.kind === 'get_quote_req' ? [msg.report, msg.idList] : [msg.selectedId, msg.quote];
  w.u32(a.length, 'first size').u32(b.length, 'second size').bytes(a, 'first').bytes(b, 'second');
  const out = w.finish();
  return (opts.framed ?? true) ? frameQgs(out) : out;
}

function header(type: number, size: number, errorCode: number): QgsHeader {
  return { majorVersion: QGS_MSG_MAJOR_VERSION, minorVersion: QGS_MSG_MINOR_VERSION, type, size, errorCode };
}

/** Build a GET_QUOTE_REQ as qgs_msg_gen_get_quote_req does (framed by default). */
export function encodeGetQuoteRequest(report: Uint8Array, idList: Uint8Array = new Uint8Array(0), opts: QgsFraming = {}): Uint8Array {
  const size = QGS_HEADER_SIZE + 8 + report.length + idList.length;
  return serializeQgsMessage({ kind: 'get_quote_req', header: header(QGS_MSG_TYPE.GET_QUOTE_REQ, size, 0), report, idList }, opts);
}

/** Build a GET_QUOTE_RESP: success with a quote (qgs_msg_gen_get_quote_resp), or an error-only response (qgs_msg_gen_error_resp: 24 bytes, sizes 0). */
export function encodeGetQuoteResponse(result: { quote: Uint8Array; selectedId?: Uint8Array } | { errorCode: number }, opts: QgsFraming = {}): Uint8Array {
  const selectedId = 'quote' in result ? (result.selectedId ?? new Uint8Array(0)) : new Uint8Array(0);
  const quote = 'quote' in result ? result.quote : new Uint8Array(0);
  const errorCode = 'errorCode' in result ? result.errorCode : 0;
  const size = QGS_HEADER_SIZE + 8 + selectedId.length + quote.length;
  return serializeQgsMessage({ kind: 'get_quote_resp', header: header(QGS_MSG_TYPE.GET_QUOTE_RESP, size, errorCode), selectedId, quote }, opts);
}
