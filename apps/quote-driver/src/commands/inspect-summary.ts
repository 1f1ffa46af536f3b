/**
 * What `tdx-shbuf inspect` reports about a quote or a TDREPORT, as a plain
 * JSON-ready object (hex fields lower-case), its verdict and exit code, and
 * its human rendering. A verdict says exactly what was checked: a TDREPORT
 * without the platform MAC key is `consistent`, never `verified`.
 */
import { parseQuote, parseTdReport, QUOTE_CHECKS_NOT_DONE, toHex, verifyParsedQuote, verifyTdReport, type QuoteVerification, type VerifyQuoteOptions } from '@tdx-shbuf/tdx-formats';
import { EXIT } from '../io.js';

/** `verified`: every check ran and holds; `consistent`: what could be checked holds, the MAC could not be; `failed`: a check failed. */
export type Verdict = 'verified' | 'consistent' | 'failed';

/** Summary of a quote (`kind: 'quote'`): its fields and each verification check. */
export interface QuoteSummary
  extends Pick<
    QuoteVerification,
    | 'valid'
    | 'quoteSignatureValid'
    | 'qeReportSignatureValid'
    | 'qeReportDataBindingValid'
    | 'chainValid'
    | 'chainLength'
    | 'rootSubject'
    | 'rootSha256'
    | 'rootTrusted'
    | 'datesValid'
    | 'checkedAt'
    | 'certificates'
    | 'failures'
  > {
  kind: 'quote';
  verdict: Verdict;
  /** What was checked, in order. */
  checks: string[];
  /** What a full verifier checks that this one did not. */
  notChecked: string[];
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
  verdict: Verdict;
  /** True only when the MAC was checked (`--mac-key`) and every check holds. */
  valid: boolean;
  macVerified: boolean;
  checks: string[];
  notChecked: string[];
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
  /** null when no key was given. */
  macValid: boolean | null;
}

/** Summarize quote bytes; throws FormatError when they do not parse. */
export function summarizeQuote(bytes: Uint8Array, opts: VerifyQuoteOptions): QuoteSummary {
  const q = parseQuote(bytes);
  const v = verifyParsedQuote(q, bytes, opts);
  const checks = ['quote signature (attestation key)', 'QE report signature (PCK leaf key)', 'QE report data binding', 'PCK chain: leaf, intermediate, root to the trusted root'];
  if (v.checkedAt !== null) checks.push(`certificate validity at ${v.checkedAt}`);
  return {
    kind: 'quote',
    verdict: v.valid ? 'verified' : 'failed',
    checks,
    notChecked: [...(v.checkedAt === null ? ['certificate validity (--no-check-dates)'] : []), ...QUOTE_CHECKS_NOT_DONE],
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
    datesValid: v.datesValid,
    checkedAt: v.checkedAt,
    certificates: v.certificates,
    failures: v.failures,
  };
}

/** The MAC as the model computes it; on hardware it is the CPU's and cannot be checked outside it. */
const MODEL_MAC = "MAC (HMAC-SHA-256 with the given key: the model's MAC, simulated reports only)";

/** Summarize a 1024-byte TDREPORT; throws FormatError when it does not parse. `macKey` checks the model's MAC. */
export function summarizeTdReport(bytes: Uint8Array, macKey?: Uint8Array): TdReportSummary {
  const r = parseTdReport(bytes);
  const v = verifyTdReport(bytes, macKey);
  const checks = ['TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO)', 'TEE_INFO_HASH = SHA-384(TDINFO)', ...(macKey ? [MODEL_MAC] : [])];
  return {
    kind: 'tdreport',
    verdict: v.verdict,
    valid: v.valid,
    macVerified: v.macValid === true,
    checks,
    notChecked: macKey ? [] : ['MAC (needs the platform key: anyone can recompute both hashes)'],
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
    macValid: v.macValid ?? null,
  };
}

/** Exit code of a verdict: 0 verified, 1 failed, 3 consistent (never 0: it does not claim verification). */
export function exitCodeFor(verdict: Verdict): number {
  return verdict === 'verified' ? EXIT.OK : verdict === 'consistent' ? EXIT.UNVERIFIED : EXIT.CHECK_FAILED;
}

const mark = (ok: boolean) => (ok ? 'ok' : 'FAIL');

function quoteLines(s: QuoteSummary): string[] {
  const lines = [`TDX quote v${s.version}${s.bodyType === null ? '' : ` (body type ${s.bodyType})`}, tee type 0x${s.teeType.toString(16)}, att key type ${s.attKeyType}`];
  lines.push(`  QE vendor ID   ${s.qeVendorId}`, `  MRTD           ${s.mrTd}`, `  TD_ATTRIBUTES  ${s.tdAttributes}`, `  XFAM           ${s.xfam}`);
  lines.push(`  REPORTDATA     ${s.reportData}`, `  sig_data_len   ${s.sigDataLen}`, `  trailing bytes ${s.trailingBytes}`);
  lines.push(`  quote signature          ${mark(s.quoteSignatureValid)}`, `  QE report signature      ${mark(s.qeReportSignatureValid)}`);
  lines.push(`  QE report data binding   ${mark(s.qeReportDataBindingValid)}`);
  lines.push(`  certificate chain        ${mark(s.chainValid)} (${s.chainLength} certificates, root ${s.rootSubject || '-'})`);
  lines.push(`  root sha256              ${s.rootSha256 || '-'}${s.rootTrusted ? ' (trusted)' : ' (NOT trusted)'}`);
  lines.push(`  certificate dates        ${s.datesValid === null ? 'not checked (--no-check-dates)' : `${mark(s.datesValid)} at ${s.checkedAt}`}`);
  lines.push(`  not checked              ${QUOTE_CHECKS_NOT_DONE.join(', ')} (need Intel PCS collateral)`);
  for (const f of s.failures) lines.push(`  ! ${f}`);
  if (s.verdict === 'verified') lines.push(s.datesValid === null ? 'verdict: verified (certificate dates not checked)' : 'verdict: verified');
  else lines.push('verdict: FAILED');
  return lines;
}

function tdReportLines(s: TdReportSummary): string[] {
  const lines = [`TDREPORT_STRUCT (TDX ${s.tdxVersion}, REPORTTYPE ${s.reportType})`];
  lines.push(`  MRTD           ${s.mrTd}`, `  TD_ATTRIBUTES  ${s.tdAttributes}`, `  XFAM           ${s.xfam}`, `  REPORTDATA     ${s.reportData}`);
  lines.push(`  TEE_TCB_INFO_HASH        ${mark(s.teeTcbInfoHashValid)}`, `  TEE_INFO_HASH            ${mark(s.teeInfoHashValid)}`);
  lines.push(`  MAC                      ${s.macValid === null ? 'not checked (needs the platform key; --mac-key for simulated reports)' : `${mark(s.macValid)} (HMAC-SHA-256 model, given key)`}`);
  const verdict = { verified: 'verdict: verified', consistent: 'verdict: consistent (MAC not verifiable without the platform key)', failed: 'verdict: FAILED' };
  lines.push(verdict[s.verdict]);
  return lines;
}

/** Human-readable lines for either summary. */
export function renderSummary(file: string, s: QuoteSummary | TdReportSummary): string {
  const [head, ...rest] = s.kind === 'quote' ? quoteLines(s) : tdReportLines(s);
  return `${[`${file}: ${head}`, ...rest].join('\n')}\n`;
}
