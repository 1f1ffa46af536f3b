import { describe, expect, it } from 'vitest';
import { pki } from '../test/chains.js';
import { readVector } from '../test/vectors.js';
import { FormatError } from './errors.js';
import { parsePckCertChain, readPckCertChain, serializePckCertChain } from './pck-chain.js';
import { parseQuote } from './quote-codec.js';

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('parsePckCertChain', () => {
  it('reads both real chains and writes them back byte for byte (v5 keeps its counted NUL)', () => {
    for (const [name, nul] of [
      ['quoteV4', false],
      ['quoteV5', true],
    ] as const) {
      const bytes = parseQuote(readVector(name)).signatureData.pckCertChain;
      const chain = parsePckCertChain(bytes);
      expect(chain.terminatingNul).toBe(nul);
      expect(chain.certificates.map((c) => c[0])).toEqual([0x30, 0x30, 0x30]);
      expect(serializePckCertChain(chain)).toEqual(bytes);
    }
  });

  it('throws a FormatError whose offset includes the base', () => {
    const err = (() => {
      try {
        parsePckCertChain(latin1(pki.leafPem), 1000);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FormatError);
    expect(err).toMatchObject({ structure: 'PCK certificate chain', field: 'certificate count', offset: 1000 + pki.leafPem.length, kind: 'truncated' });
  });

  it('readPckCertChain keeps the certificates read before the error', () => {
    const r = readPckCertChain(latin1(`${pki.leafPem}${pki.intermediatePem}junk`));
    expect(r.certificates).toHaveLength(2);
    expect(r.error?.message).toMatch(/root CA certificate BEGIN line at offset \d+ is "junk", expected/);
  });
});
