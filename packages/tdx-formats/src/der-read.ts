/**
 * Strict DER reader (ITU-T X.690 §10): definite, minimal lengths; one-byte
 * tags (X.509 uses no high tag numbers); constructed values made of whole
 * TLVs. Used to refuse BER variants inside PCK certificates before OpenSSL
 * sees them, and to find a certificate's parts. Throws only FormatError.
 */
import { FormatError } from './errors.js';

/** One TLV: `start` is the tag's offset, `contentStart`..`end` the value. */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
  /** Present on constructed values (tag bit 0x20). */
  children?: DerNode[];
}

/** Deepest nesting accepted; an X.509 certificate needs about 10. */
export const DER_MAX_DEPTH = 32;

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;

/**
 * Read exactly one TLV spanning `bytes`. `structure` names the input in
 * errors and `base` is added to every offset (the DER's place in a quote).
 */
export function readDer(bytes: Uint8Array, structure: string, base = 0): DerNode {
  const fail = (field: string, at: number, actual: string, expected: string, kind: 'invalid' | 'truncated' | 'unsupported' = 'invalid') =>
    new FormatError({ structure, field, offset: base + at, actual, expected, kind });

  function node(at: number, limit: number, depth: number): DerNode {
    if (depth > DER_MAX_DEPTH) throw fail('DER nesting', at, `deeper than ${DER_MAX_DEPTH}`, `at most ${DER_MAX_DEPTH} levels`, 'unsupported');
    if (at + 2 > limit) throw fail('DER tag and length', at, `${limit - at} bytes long`, 'at least 2 bytes', 'truncated');
    const tag = bytes[at]!;
    if ((tag & 0x1f) === 0x1f) throw fail('DER tag', at, `0x${tag.toString(16)}`, 'a one-byte tag', 'unsupported');
    const first = bytes[at + 1]!;
    let length = first;
    let contentStart = at + 2;
    if (first === 0x80) throw fail('DER length', at + 1, 'indefinite (0x80)', 'a definite length');
    if (first > 0x80) {
      const n = first & 0x7f;
      if (n > 4) throw fail('DER length', at + 1, `${n} length bytes`, 'at most 4', 'unsupported');
      if (contentStart + n > limit) throw fail('DER length', at + 1, `${limit - contentStart} bytes long`, `${n} length bytes`, 'truncated');
      length = 0;
      for (let i = 0; i < n; i++) length = length * 256 + bytes[contentStart + i]!;
      if (bytes[contentStart] === 0 || length < 0x80) throw fail('DER length', at + 1, `${length} in ${n} bytes`, 'the minimal encoding');
      contentStart += n;
    }
    const end = contentStart + length;
    if (end > limit) throw fail('DER value', contentStart, `${limit - contentStart} bytes long`, `${length} bytes`, 'truncated');
    if ((tag & 0x20) === 0) return { tag, start: at, contentStart, end };
    const children: DerNode[] = [];
    for (let p = contentStart; p < end; ) {
      const child = node(p, end, depth + 1);
      children.push(child);
      p = child.end;
    }
    return { tag, start: at, contentStart, end, children };
  }

  const root = node(0, bytes.length, 0);
  if (root.end !== bytes.length) throw fail('DER value', root.end, `${bytes.length - root.end} bytes after the value`, 'nothing');
  return root;
}

/** The three parts of an X.509 Certificate (RFC 5280 §4.1), as DER slices. */
export interface CertificateParts {
  /** tbsCertificate, the signed part. */
  tbs: Uint8Array;
  /** Outer signatureAlgorithm (AlgorithmIdentifier). */
  signatureAlgorithm: Uint8Array;
  /** tbsCertificate.signature, which RFC 5280 §4.1.1.2 requires to equal the outer one. */
  tbsSignatureAlgorithm: Uint8Array;
}

/** Split certificate DER strictly; throws FormatError when it is not SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }. */
export function certificateParts(der: Uint8Array, structure: string, base = 0): CertificateParts {
  const cert = readDer(der, structure, base);
  const [tbs, alg, sig] = cert.children ?? [];
  const shape = cert.tag === SEQUENCE && cert.children?.length === 3 && tbs?.tag === SEQUENCE && alg?.tag === SEQUENCE && sig?.tag === BIT_STRING;
  if (!shape || !tbs || !alg) {
    throw new FormatError({ structure, field: 'Certificate', offset: base, actual: 'another shape', expected: 'SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)' });
  }
  // tbsCertificate: [0] version, serialNumber, signature, …
  const fields = tbs.children ?? [];
  const tbsAlg = fields[0]?.tag === 0xa0 ? fields[2] : fields[1];
  if (!tbsAlg || tbsAlg.tag !== SEQUENCE) {
    throw new FormatError({ structure, field: 'tbsCertificate.signature', offset: base + tbs.contentStart, actual: 'missing', expected: 'an AlgorithmIdentifier' });
  }
  const slice = (n: DerNode) => der.subarray(n.start, n.end);
  return { tbs: slice(tbs), signatureAlgorithm: slice(alg), tbsSignatureAlgorithm: slice(tbsAlg) };
}
