/**
 * The QGS server's view of a request: qgs_msg_inflate_get_quote_req from DCAP
 * qgs_msg_lib.cpp, returning the qgs_msg_error_t it would return rather than
 * throwing, so a simulated QGS can answer with the same error codes.
 */
import { QGS_HEADER_SIZE, QGS_MSG_ERROR, QGS_MSG_MAJOR_VERSION, QGS_MSG_TYPE } from './qgs.js';

/** Result of inflating a GET_QUOTE_REQ. */
export type InflateResult = { ok: true; report: Uint8Array; idList: Uint8Array } | { ok: false; errorCode: number; reason: string };

/** Check an unframed request in qgs_msg_inflate_get_quote_req's order. */
export function inflateGetQuoteRequest(msg: Uint8Array): InflateResult {
  const fail = (errorCode: number, reason: string): InflateResult => ({ ok: false, errorCode, reason });
  // "sanity check, the size shouldn't smaller than qgs_msg_get_quote_req_t" (16 + 4 + 4)
  if (msg.length < QGS_HEADER_SIZE + 8) return fail(QGS_MSG_ERROR.INVALID_PARAMETER, `message is ${msg.length} bytes, shorter than 24`);
  const v = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  // "Only major version is checked, minor change is deemed as compatible."
  if (v.getUint16(0, true) !== QGS_MSG_MAJOR_VERSION) return fail(QGS_MSG_ERROR.INVALID_VERSION, `major_version ${v.getUint16(0, true)}`);
  if (v.getUint32(4, true) !== QGS_MSG_TYPE.GET_QUOTE_REQ) return fail(QGS_MSG_ERROR.INVALID_TYPE, `type ${v.getUint32(4, true)}`);
  const size = v.getUint32(8, true);
  if (size !== msg.length) return fail(QGS_MSG_ERROR.INVALID_SIZE, `size ${size} ≠ message length ${msg.length}`);
  if (v.getUint32(12, true) !== 0) return fail(QGS_MSG_ERROR.INVALID_CODE, 'error_code is not 0 in a request');
  const reportSize = v.getUint32(16, true);
  const idListSize = v.getUint32(20, true);
  if (reportSize === 0) return fail(QGS_MSG_ERROR.INVALID_CODE, 'report_size is 0');
  const total = QGS_HEADER_SIZE + 8 + reportSize + idListSize;
  if (total >= 0xffff_ffff) return fail(QGS_MSG_ERROR.UNEXPECTED, 'sizes overflow u32');
  if (size !== total) return fail(QGS_MSG_ERROR.INVALID_SIZE, `size ${size} ≠ 24 + report_size + id_list_size = ${total}`);
  const report = msg.slice(24, 24 + reportSize);
  return { ok: true, report, idList: msg.slice(24 + reportSize, total) };
}
