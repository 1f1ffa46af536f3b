import { describe, expect, it } from 'vitest';
import { pki } from '../test/chains.js';
import { certificateParts, DER_MAX_DEPTH, readDer } from './der-read.js';
import { FormatError } from './errors.js';
import { pemToDer } from './pem.js';

const errorOf = (fn: () => unknown): FormatError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw e;
  }
  throw new Error('expected a FormatError');
};

describe('readDer', () => {
  it('walks a certificate and finds its parts', () => {
    const der = pemToDer(pki.leafPem);
    const root = readDer(der, 'leaf');
    expect(root).toMatchObject({ tag: 0x30, start: 0, end: der.length });
    expect(root.children?.map((c) => c.tag)).toEqual([0x30, 0x30, 0x03]);
    const parts = certificateParts(der, 'leaf');
    expect(Buffer.from(parts.signatureAlgorithm).toString('hex')).toBe('300a06082a8648ce3d040302');
    expect(parts.tbsSignatureAlgorithm).toEqual(parts.signatureAlgorithm);
  });

  it.each([
    ['indefinite length', [0x30, 0x80, 0, 0], 'DER length', 1, /indefinite/],
    ['non-minimal long form', [0x04, 0x81, 0x05, 1, 2, 3, 4, 5], 'DER length', 1, /minimal encoding/],
    ['leading zero length byte', [0x04, 0x82, 0x00, 0x85, ...new Array(0x85).fill(0)], 'DER length', 1, /minimal encoding/],
    ['more than 4 length bytes', [0x04, 0x85, 1, 0, 0, 0, 0], 'DER length', 1, /5 length bytes/],
    ['value past the end', [0x04, 0x05, 1, 2], 'DER value', 2, /2 bytes long, expected 5 bytes/],
    ['bytes after the value', [0x05, 0x00, 0x00], 'DER value', 2, /1 bytes after the value/],
    ['high tag number', [0x1f, 0x81, 0x00, 0x00], 'DER tag', 0, /one-byte tag/],
    ['child overrunning its parent', [0x30, 0x03, 0x04, 0x05, 0x00], 'DER value', 4, /1 bytes long, expected 5 bytes/],
    ['empty input', [], 'DER tag and length', 0, /0 bytes long/],
  ])('refuses %s', (_, bytes, field, offset, message) => {
    const e = errorOf(() => readDer(Uint8Array.from(bytes), 'test', 100));
    expect(e).toMatchObject({ structure: 'test', field, offset: 100 + offset });
    expect(e.message).toMatch(message);
  });

  it(`stops at ${DER_MAX_DEPTH} levels of nesting`, () => {
    let v = Uint8Array.from([0x05, 0x00]);
    for (let i = 0; i <= DER_MAX_DEPTH; i++) v = Uint8Array.from([0x30, v.length, ...v]);
    expect(errorOf(() => readDer(v, 'deep')).kind).toBe('unsupported');
  });

  it('certificateParts refuses a SEQUENCE that is not a certificate', () => {
    expect(errorOf(() => certificateParts(Uint8Array.from([0x30, 0x02, 0x05, 0x00]), 'x')).field).toBe('Certificate');
  });
});
