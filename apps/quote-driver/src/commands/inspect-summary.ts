/**
 * What `tdx-shbuf inspect` reports about a quote or a TDREPORT, as a plain
 * JSON-ready object (hex fields lower-case), and its human rendering.
 */
import {
  parseQuote,
  parseTdReport,
  toHex,
  verifyParsedQuote,
  verifyTdReport,
  type QuoteVerification,
  type VerifyQuoteOptions,
} from '@tdx-shbuf/tdx-formats';

/** Summary of a quote (`kind: 'quote'`): its fields and each verification check. */
export interface QuoteSummary
  extends Pick<
    QuoteVerification,
    'valid' | 'quoteSignatureValid' | 'qeReportSignatureValid' | 'qeReportDataBindingValid' | 'chainValid' | 'chainLength' | 'rootSubject' | 'rootSha256' | 'rootTrusted' | 'failures'
  > {
  kind: 'quote';
  version: number;
  teeType: number;
  attKeyType: number;
  qeVendorId: string;
  /** v5 only; null on v4. */
  bodyType: number | null;
  mrTd: string;
  tdAttributes: string;
  xfam: string;
  mrSeam: string;
  rtmr: string[];
  reportData: string;
  sigDataLen: number;
  trailingBytes: number;
}

/** Summary of a TDREPORT_STRUCT (`kind: 'tdreport'`). */
export interface TdReportSummary {
  kind: 'tdreport';
  valid: boolean;
  tdxVersion: string;
  reportType: string;
  mrTd: string;
  tdAttributes: string;
  xfam: string;
  mrSeam: string;
  rtmr: string[];
  reportData: string;
  teeTcbInfoHashValid: boolean;
  teeInfoHashValid: boolean;
}

/** Summarize quote bytes; throws FormatError when they do not parse. */
export function summarizeQuote(bytes: Uint8Array, opts: VerifyQuoteOptions): QuoteSummary {
  const q = parseQuote(bytes);
  const v = verifyParsedQuote(q, bytes, opts);
  return {
    kind: 'quote',
    valid: v.valid,
    version: q.header.version,
    teeType: q.header.teeType,
    attKeyType: q.header.attKeyType,
    qeVendorId: toHex(q.header.qeVendorId),
    bodyType: q.bodyType ?? null,
    mrTd: toHex(q.body.mrTd),
    tdAttributes: toHex(q.body.tdAttributes),
    xfam: toHex(q.body.xfam),
    mrSeam: toHex(q.body.mrSeam),
    rtmr: q.body.rtmr.map(toHex),
    reportData: toHex(q.body.reportData),
    sigDataLen: q.sigDataLen,
    trailingBytes: q.trailing.length,
    quoteSignatureValid: v.quoteSignatureValid,
    qeReportSignatureValid: v.qeReportSignatureValid,
    qeReportDataBindingValid: v.qeReportDataBindingValid,
    chainValid: v.chainValid,
    chainLength: v.chainLength,
    rootSubject: v.rootSubject,
    rootSha256: v.rootSha256,
    rootTrusted: v.rootTrusted,
    failures: v.failures,
  };
}

/** Summarize a 1024-byte TDREPORT; throws FormatError when it does not parse. */
export function summarizeTdReport(bytes: Uint8Array): TdReportSummary {
  const r = parseTdReport(bytes);
  const v = verifyTdReport(bytes);
  return {
    kind: 'tdreport',
    valid: v.valid,
    tdxVersion: r.tdxVersion,
    reportType: toHex(bytes.subarray(0, 4)),
    mrTd: toHex(r.tdInfo.mrTd),
    tdAttributes: toHex(r.tdInfo.attributes),
    xfam: toHex(r.tdInfo.xfam),
    mrSeam: toHex(r.teeTcbInfo.mrSeam),
    rtmr: r.tdInfo.rtmr.map(toHex),
    reportData: toHex(r.reportData),
    teeTcbInfoHashValid: v.teeTcbInfoHashValid,
    teeInfoHashValid: v.teeInfoHashValid,
  };
}

const mark = (ok: boolean) => (ok ? 'ok' : 'FAIL');

/** Human-readable lines for either summary. */
export function renderSummary(file: string, s: QuoteSummary | TdReportSummary): string {
  const lines: string[] = [];
  if (s.kind === 'quote') {
    lines.push(`${file}: TDX quote v${s.version}${s.bodyType === null ? '' : ` (body type ${s.bodyType})`}, tee type 0x${s.teeType.toString(16)}, att key type ${s.attKeyType}`);
    lines.push(`  QE vendor ID   ${s.qeVendorId}`, `  MRTD           ${s.mrTd}`, `  TD_ATTRIBUTES  ${s.tdAttributes}`, `  XFAM           ${s.xfam}`);
    lines.push(`  REPORTDATA     ${s.reportData}`, `  sig_data_len   ${s.sigDataLen}`, `  trailing bytes ${s.trailingBytes}`);
    lines.push(`  quote signature          ${mark(s.quoteSignatureValid)}`, `  QE report signature      ${mark(s.qeReportSignatureValid)}`);
    lines.push(`  QE report data binding   ${mark(s.qeReportDataBindingValid)}`);
    lines.push(`  certificate chain        ${mark(s.chainValid)} (${s.chainLength} certificates, root ${s.rootSubject || '-'})`);
    lines.push(`  root sha256              ${s.rootSha256 || '-'}${s.rootTrusted ? ' (trusted)' : ' (NOT trusted)'}`);
    for (const f of s.failures) lines.push(`  ! ${f}`);
  } else {
    lines.push(`${file}: TDREPORT_STRUCT (TDX ${s.tdxVersion}, REPORTTYPE ${s.reportType})`);
    lines.push(`  MRTD           ${s.mrTd}`, `  TD_ATTRIBUTES  ${s.tdAttributes}`, `  XFAM           ${s.xfam}`, `  REPORTDATA     ${s.reportData}`);
    lines.push(`  TEE_TCB_INFO_HASH        ${mark(s.teeTcbInfoHashValid)}`, `  TEE_INFO_HASH            ${mark(s.teeInfoHashValid)}`);
    lines.push('  MAC                      not checked (needs the platform key)');
  }
  lines.push(s.valid ? 'verdict: verified' : 'verdict: FAILED');
  return `${lines.join('\n')}\n`;
}
