/**
 * TD quote body (docs/model.md §7; DCAP `sgx_quote_4.h` sgx_report2_body_t /
 * `sgx_quote_5.h` sgx_report2_body_v1_5_t): the TDREPORT fields the quote
 * carries, in this order. TDX 1.0 body 584 bytes; TDX 1.5 body 648 bytes =
 * 1.0 body + TEE_TCB_SVN2 (16) + MR_SERVICETD (48).
 */
import type { ByteReader, ByteWriter } from './bytes.js';

/** Size of the TDX 1.0 quote body (v4, or v5 body type 2), docs/model.md §7. */
export const TD_QUOTE_BODY_V1_0_SIZE = 584;
/** Size of the TDX 1.5 quote body (v5 body type 3), docs/model.md §7. */
export const TD_QUOTE_BODY_V1_5_SIZE = 648;

/** The TD quote body; `teeTcbSvn2` and `mrServiceTd` are present only on TDX 1.5 bodies. */
export interface TdQuoteBody {
  teeTcbSvn: Uint8Array; // 16
  mrSeam: Uint8Array; // 48
  mrSignerSeam: Uint8Array; // 48
  seamAttributes: Uint8Array; // 8
  tdAttributes: Uint8Array; // 8
  xfam: Uint8Array; // 8
  mrTd: Uint8Array; // 48
  mrConfigId: Uint8Array; // 48
  mrOwner: Uint8Array; // 48
  mrOwnerConfig: Uint8Array; // 48
  rtmr: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]; // 4 x 48
  reportData: Uint8Array; // 64
  teeTcbSvn2?: Uint8Array; // 16, TDX 1.5
  mrServiceTd?: Uint8Array; // 48, TDX 1.5
}

/** Read a body; `tdx15` selects the 648-byte layout. */
export function readTdQuoteBody(r: ByteReader, tdx15: boolean): TdQuoteBody {
  r.need(tdx15 ? TD_QUOTE_BODY_V1_5_SIZE : TD_QUOTE_BODY_V1_0_SIZE, 'TD quote body');
  const body: TdQuoteBody = {
    teeTcbSvn: r.take(16, 'TEE_TCB_SVN'),
    mrSeam: r.take(48, 'MRSEAM'),
    mrSignerSeam: r.take(48, 'MRSIGNERSEAM'),
    seamAttributes: r.take(8, 'SEAM_ATTRIBUTES'),
    tdAttributes: r.take(8, 'TD_ATTRIBUTES'),
    xfam: r.take(8, 'XFAM'),
    mrTd: r.take(48, 'MRTD'),
    mrConfigId: r.take(48, 'MRCONFIGID'),
    mrOwner: r.take(48, 'MROWNER'),
    mrOwnerConfig: r.take(48, 'MROWNERCONFIG'),
    rtmr: [r.take(48, 'RTMR0'), r.take(48, 'RTMR1'), r.take(48, 'RTMR2'), r.take(48, 'RTMR3')],
    reportData: r.take(64, 'REPORTDATA'),
  };
  if (tdx15) {
    body.teeTcbSvn2 = r.take(16, 'TEE_TCB_SVN2');
    body.mrServiceTd = r.take(48, 'MR_SERVICETD');
  }
  return body;
}

/** Write a body; `tdx15` requires the two TDX 1.5 fields. */
export function writeTdQuoteBody(w: ByteWriter, body: TdQuoteBody, tdx15: boolean): void {
  w.bytes(body.teeTcbSvn, 'TEE_TCB_SVN', 16).bytes(body.mrSeam, 'MRSEAM', 48).bytes(body.mrSignerSeam, 'MRSIGNERSEAM', 48);
  w.bytes(body.seamAttributes, 'SEAM_ATTRIBUTES', 8).bytes(body.tdAttributes, 'TD_ATTRIBUTES', 8).bytes(body.xfam, 'XFAM', 8);
  w.bytes(body.mrTd, 'MRTD', 48).bytes(body.mrConfigId, 'MRCONFIGID', 48).bytes(body.mrOwner, 'MROWNER', 48);
  w.bytes(body.mrOwnerConfig, 'MROWNERCONFIG', 48);
  for (const [i, m] of body.rtmr.entries()) w.bytes(m, `RTMR${i}`, 48);
  w.bytes(body.reportData, 'REPORTDATA', 64);
  if (tdx15) {
    w.bytes(body.teeTcbSvn2 ?? new Uint8Array(0), 'TEE_TCB_SVN2', 16);
    w.bytes(body.mrServiceTd ?? new Uint8Array(0), 'MR_SERVICETD', 48);
  }
}
