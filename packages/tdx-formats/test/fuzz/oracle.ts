/**
 * The fuzz oracle. For any input:
 * 1. parseQuote returns or throws FormatError (offset inside the input), never
 *    anything else; a parsed quote re-serializes to exactly the input;
 * 2. verifyQuote returns (it cannot throw once parsing succeeded); its result
 *    is well-formed, and `valid` holds exactly when no failure is reported;
 * 3. a quote verified as `valid` attests exactly what the seed attests: header
 *    and body, attestation key, QE report, QE auth data and each
 *    certificate's tbsCertificate. Only unsigned, unchecked bytes may differ:
 *    trailing data, the chain's counted NUL, and the ECDSA signatures' other
 *    valid form (r, n − s), which encodes the same signed content;
 * 4. the chain and DER readers throw only FormatError.
 * TDREPORTs: parse/serialize as above; without a key the verdict is never
 * `verified`; with the key, `verified` means equal bytes except the unhashed
 * reserved bytes 495..512 (outside TEE_TCB_INFO and TDINFO, docs/model.md §7).
 */
import { certificateParts } from '../../src/der-read.js';
import { FormatError } from '../../src/errors.js';
import { bytesEqual, concatBytes } from '../../src/hex.js';
import { readPckCertChain } from '../../src/pck-chain.js';
import { parseQuote, serializeQuote } from '../../src/quote-codec.js';
import { parseTdReport, serializeTdReport } from '../../src/tdreport.js';
import { verifyTdReport } from '../../src/tdreport-generate.js';
import { verifyQuote, type VerifyQuoteOptions } from '../../src/verify-quote.js';

/** How a case ended. */
export type Outcome = 'format-error' | 'failed' | 'verified' | 'consistent';

/** Result of one case: its outcome, a detail (error field or first failure), and a violated property if any. */
export interface CaseResult {
  outcome: Outcome;
  detail: string;
  finding: string | null;
}

/** What a quote attests (concatenated), or null when it has no strictly readable chain. */
export function attestedContent(bytes: Uint8Array): Uint8Array | null {
  try {
    const q = parseQuote(bytes);
    const chain = readPckCertChain(q.signatureData.pckCertChain);
    if (chain.error) return null;
    const tbs = chain.certificates.map((c) => certificateParts(c, 'attested').tbs);
    const s = q.signatureData;
    return concatBytes(bytes.subarray(0, q.signedLength), s.attestationKey, s.qeReport, Uint8Array.of(s.qeAuthData.length & 0xff, s.qeAuthData.length >> 8), s.qeAuthData, ...tbs);
  } catch (e) {
    if (e instanceof FormatError) return null;
    throw e;
  }
}

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Check one quote input against the seed's attested content. */
export function checkQuote(input: Uint8Array, opts: VerifyQuoteOptions, seedAttested: Uint8Array): CaseResult {
  let q: ReturnType<typeof parseQuote>;
  try {
    q = parseQuote(input);
  } catch (e) {
    if (!(e instanceof FormatError)) return { outcome: 'format-error', detail: '', finding: `parseQuote threw ${describe(e)}` };
    if (e.offset < 0 || e.offset > input.length) return { outcome: 'format-error', detail: e.field, finding: `FormatError offset ${e.offset} outside the ${input.length}-byte input` };
    return { outcome: 'format-error', detail: e.field, finding: null };
  }
  try {
    if (!bytesEqual(serializeQuote(q), input)) return { outcome: 'failed', detail: '', finding: 'serializeQuote(parseQuote(x)) differs from x' };
  } catch (e) {
    return { outcome: 'failed', detail: '', finding: `serializeQuote threw on a parsed quote: ${describe(e)}` };
  }
  const chain = readPckCertChain(q.signatureData.pckCertChain);
  for (const der of chain.certificates) {
    try {
      certificateParts(der, 'fuzz');
    } catch (e) {
      if (!(e instanceof FormatError)) return { outcome: 'failed', detail: '', finding: `certificateParts threw ${describe(e)}` };
    }
  }
  let v: ReturnType<typeof verifyQuote>;
  try {
    v = verifyQuote(input, opts);
  } catch (e) {
    return { outcome: 'failed', detail: '', finding: `verifyQuote threw ${describe(e)}` };
  }
  const flags = [v.valid, v.quoteSignatureValid, v.qeReportSignatureValid, v.qeReportDataBindingValid, v.chainValid, v.rootTrusted];
  if (flags.some((f) => typeof f !== 'boolean') || typeof v.rootSubject !== 'string' || typeof v.leafSubject !== 'string' || !v.failures.every((f) => typeof f === 'string' && !f.includes('\n'))) {
    return { outcome: 'failed', detail: '', finding: 'verifyQuote returned a malformed result' };
  }
  if (v.valid !== (v.failures.length === 0)) return { outcome: 'failed', detail: '', finding: `valid is ${v.valid} with failures ${JSON.stringify(v.failures)}` };
  if (!v.valid) return { outcome: 'failed', detail: v.failures[0] ?? '', finding: null };
  const attested = attestedContent(input);
  if (!attested || !bytesEqual(attested, seedAttested)) return { outcome: 'verified', detail: '', finding: 'a quote attesting other content verified' };
  return { outcome: 'verified', detail: '', finding: null };
}

/** Bytes 495..512 of a TDREPORT are outside both hashed ranges and the MAC. */
const UNHASHED = [495, 512] as const;

/** Check one TDREPORT input; `seed` and `macKey` are the unmutated report and its model key. */
export function checkTdReport(input: Uint8Array, seed: Uint8Array, macKey: Uint8Array): CaseResult {
  let r: ReturnType<typeof parseTdReport>;
  try {
    r = parseTdReport(input);
  } catch (e) {
    if (!(e instanceof FormatError)) return { outcome: 'format-error', detail: '', finding: `parseTdReport threw ${describe(e)}` };
    return { outcome: 'format-error', detail: e.field, finding: null };
  }
  if (!bytesEqual(serializeTdReport(r), input)) return { outcome: 'failed', detail: '', finding: 'serializeTdReport(parseTdReport(x)) differs from x' };
  const keyless = verifyTdReport(input);
  if (keyless.verdict === 'verified' || keyless.valid) return { outcome: 'verified', detail: '', finding: 'a TDREPORT was verified without the MAC key' };
  const keyed = verifyTdReport(input, macKey);
  if (keyed.verdict === 'verified') {
    const same = bytesEqual(input.subarray(0, UNHASHED[0]), seed.subarray(0, UNHASHED[0])) && bytesEqual(input.subarray(UNHASHED[1]), seed.subarray(UNHASHED[1]));
    return { outcome: 'verified', detail: '', finding: same ? null : 'a changed TDREPORT verified with the MAC key' };
  }
  return { outcome: keyless.verdict, detail: '', finding: null };
}
