/**
 * The PCK certificate chain of certification data type 5 (docs/model.md §7),
 * read strictly. The chain is not covered by any signature in the quote, so
 * its framing must leave no room for unsigned variation:
 *
 * - exactly three CERTIFICATE blocks: PCK leaf, intermediate CA, root CA, in
 *   that order, as go-tdx-guest's `extractChainFromQuote` requires;
 * - each block in RFC 7468 §3 strict form with LF line ends: the BEGIN line,
 *   canonical base64 in 64-column lines, the END line (what OpenSSL and Go's
 *   `pem.Encode` write, and what both real vectors hold);
 * - nothing between blocks; after the root only nothing or one 0x00 (the
 *   counted NUL DCAP appends; go-tdx-guest allows exactly that).
 *
 * Stricter than go-tdx-guest, whose `pem.Decode` skips text before a block
 * and accepts any base64 line length.
 */
import { FormatError } from './errors.js';
import { PCK_CHAIN_LENGTH } from './limits.js';
import { derToPem } from './pem.js';

const BEGIN = '-----BEGIN CERTIFICATE-----\n';
const END = '-----END CERTIFICATE-----\n';
const STRUCTURE = 'PCK certificate chain';

/** Position of each certificate in the chain. */
export const PCK_CHAIN_ROLES = ['PCK leaf', 'intermediate CA', 'root CA'] as const;
export type PckChainRole = (typeof PCK_CHAIN_ROLES)[number];

/** A strictly framed chain: DER of each certificate. */
export interface PckCertChain {
  /** DER, leaf first: [PCK leaf, intermediate CA, root CA]. */
  certificates: [Uint8Array, Uint8Array, Uint8Array];
  /** Whether the text ends in the counted 0x00. */
  terminatingNul: boolean;
}

/** What {@link readPckCertChain} got: the certificates read before the first framing error, and that error. */
export interface PckCertChainRead {
  certificates: Uint8Array[];
  terminatingNul: boolean;
  error: FormatError | null;
}

/** Read the chain; never throws. `base` is the chain's offset in the quote, added to error offsets. */
export function readPckCertChain(chain: Uint8Array, base = 0): PckCertChainRead {
  const text = Buffer.from(chain.buffer, chain.byteOffset, chain.byteLength).toString('latin1');
  const certificates: Uint8Array[] = [];
  const fail = (field: string, at: number, actual: string, expected: string, kind: 'invalid' | 'truncated' = 'invalid'): PckCertChainRead => ({
    certificates,
    terminatingNul: false,
    error: new FormatError({ structure: STRUCTURE, field, offset: base + at, actual, expected, kind }),
  });
  const count = `${PCK_CHAIN_LENGTH} (${PCK_CHAIN_ROLES.join(', ')})`;
  let at = 0;
  for (const role of PCK_CHAIN_ROLES) {
    const left = text.length - at;
    if (left === 0 || (left === 1 && text[at] === '\0')) return fail('certificate count', at, String(certificates.length), count, 'truncated');
    if (!text.startsWith(BEGIN, at)) return fail(`${role} certificate BEGIN line`, at, show(text, at, BEGIN.length), 'the line "-----BEGIN CERTIFICATE-----"');
    const bodyAt = at + BEGIN.length;
    const endAt = text.indexOf('-----END', bodyAt);
    if (endAt < 0) return fail(`${role} certificate END line`, bodyAt, 'missing', 'the line "-----END CERTIFICATE-----"', 'truncated');
    const body = text.slice(bodyAt, endAt);
    const der = new Uint8Array(Buffer.from(body, 'base64'));
    // Node's decoder skips junk; comparing with the canonical re-encoding makes it strict
    const canonical = der.length === 0 ? '' : derToPem(der).slice(BEGIN.length, -END.length);
    if (der.length === 0 || body !== canonical) {
      const d = firstDifference(body, canonical);
      return fail(`${role} certificate base64`, bodyAt + d, show(text, bodyAt + d, 8), 'RFC 7468 strict base64 (64-column lines, LF, canonical padding)');
    }
    if (!text.startsWith(END, endAt)) return fail(`${role} certificate END line`, endAt, show(text, endAt, END.length), 'the line "-----END CERTIFICATE-----"');
    certificates.push(der);
    at = endAt + END.length;
  }
  const rest = text.length - at;
  if (rest === 0 || (rest === 1 && text[at] === '\0')) return { certificates, terminatingNul: rest === 1, error: null };
  if (text.startsWith('-----BEGIN', at)) return fail('certificate count', at, `more than ${PCK_CHAIN_LENGTH}`, count);
  return fail('bytes after the root CA certificate', at, `${rest} bytes (${show(text, at, 8)})`, 'nothing or one 0x00');
}

/** Parse the chain strictly. Throws only FormatError. */
export function parsePckCertChain(chain: Uint8Array, base = 0): PckCertChain {
  const read = readPckCertChain(chain, base);
  if (read.error) throw read.error;
  const [leaf, intermediate, root] = read.certificates as [Uint8Array, Uint8Array, Uint8Array];
  return { certificates: [leaf, intermediate, root], terminatingNul: read.terminatingNul };
}

/** Chain text for three DER certificates, optionally with the counted NUL (what {@link parsePckCertChain} accepts). */
export function serializePckCertChain(chain: PckCertChain): Uint8Array {
  const text = chain.certificates.map(derToPem).join('') + (chain.terminatingNul ? '\0' : '');
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Up to `n` characters at `at`, quoted, with control and non-ASCII bytes as \xNN. */
function show(text: string, at: number, n: number): string {
  const s = text.slice(at, at + n);
  if (s.length === 0) return 'the end of the chain';
  return JSON.stringify(s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)).replace(/\\\\x/g, '\\x');
}
