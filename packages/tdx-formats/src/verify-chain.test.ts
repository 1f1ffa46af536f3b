import { describe, expect, it } from 'vitest';
import { base64Of, berLengthLeafPem, EMPTY_NAME, leafWithPaddingBitSet, pki, rebuiltPem, SIM_VALID_AT, simulatedQuote, withChain } from '../test/chains.js';
import { readVector } from '../test/vectors.js';
import { pemToDer } from './pem.js';
import { parseQuote, pckCertChainOffset } from './quote-codec.js';
import { verifyQuote, type VerifyQuoteOptions } from './verify-quote.js';

const trustSim: VerifyQuoteOptions = { trustedRootPem: pki.rootPem, now: SIM_VALID_AT };
const verifyWith = (chain: string | Uint8Array, opts = trustSim) => verifyQuote(withChain(simulatedQuote, chain), opts);
const { leafPem, intermediatePem, rootPem } = pki;

/** The same certificate with its base64 wrapped at `columns`. */
const pemWrappedAt = (pem: string, columns: number) =>
  `-----BEGIN CERTIFICATE-----\n${base64Of(pem)
    .replace(new RegExp(`(.{${columns}})`, 'g'), '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

describe('a simulated quote with its own chain', () => {
  it('verifies (the baseline every case below changes one thing of)', () => {
    expect(verifyWith(pki.chainPem).failures).toEqual([]);
    expect(verifyWith(`${pki.chainPem}\0`).valid).toBe(true);
  });
});

describe('certificates with an empty subject or issuer (regression: verifyQuote threw a TypeError)', () => {
  it('an empty leaf subject fails the chain instead of throwing', () => {
    const v = verifyWith(rebuiltPem('leaf', { subject: EMPTY_NAME }) + intermediatePem + rootPem);
    expect(v).toMatchObject({ valid: false, chainValid: false, leafSubject: '', quoteSignatureValid: true, qeReportSignatureValid: true });
    expect(v.failures).toContain('PCK leaf certificate has an empty subject');
  });

  it('a trusted self-signed root with empty subject and issuer fails instead of throwing', () => {
    const emptyRoot = rebuiltPem('root', { subject: EMPTY_NAME, issuer: EMPTY_NAME });
    const intermediate = rebuiltPem('intermediate', { issuer: EMPTY_NAME });
    const v = verifyWith(leafPem + intermediate + emptyRoot, { trustedRootPem: emptyRoot, now: SIM_VALID_AT });
    expect(v).toMatchObject({ valid: false, chainValid: false, rootSubject: '', rootTrusted: true });
    expect(v.failures).toEqual(expect.arrayContaining(['intermediate CA certificate has an empty issuer', 'root CA certificate has an empty subject', 'root CA certificate has an empty issuer']));
  });
});

describe('the chain is exactly PCK leaf, intermediate CA, root CA', () => {
  const failure = (chain: string) => {
    const v = verifyWith(chain);
    expect(v).toMatchObject({ valid: false, chainValid: false, quoteSignatureValid: true });
    return v.failures.join('\n');
  };

  it('two certificates', () => {
    expect(failure(leafPem + intermediatePem)).toMatch(/PCK certificate chain: certificate count at offset \d+ is 2, expected 3 \(PCK leaf, intermediate CA, root CA\)/);
    expect(verifyWith(leafPem + intermediatePem).chainLength).toBe(2);
  });

  it('four certificates (a repeated root)', () => {
    expect(failure(pki.chainPem + rootPem)).toMatch(/certificate count at offset \d+ is more than 3/);
  });

  it('leaf alone, and in the wrong order', () => {
    expect(failure(leafPem)).toMatch(/is 1, expected 3/);
    expect(failure(rootPem + intermediatePem + leafPem)).toMatch(/root CA certificate is not issued and signed by the root itself|is not the trusted root/);
  });

  it('the root of another seed is not trusted', () => {
    expect(failure(leafPem + intermediatePem + rebuiltPem('root', { serial: 99n }))).toMatch(/is not the trusted root/);
  });

  it('an intermediate that is not a CA', () => {
    expect(failure(leafPem + rebuiltPem('intermediate', { isCa: false }) + rootPem)).toMatch(/intermediate CA certificate is not a CA/);
  });
});

describe('PEM framing is strict (the chain is not signed: unsigned variation is refused)', () => {
  const base = pckCertChainOffset(parseQuote(simulatedQuote));
  const cases: [string, string, RegExp][] = [
    [
      'junk between blocks',
      `${leafPem}junk\n${intermediatePem}${rootPem}`,
      /intermediate CA certificate BEGIN line at offset (\d+) is "junk\\x0a-----BEGIN CERTIFICATE-", expected the line "-----BEGIN CERTIFICATE-----"/,
    ],
    ['a blank line between blocks', `${leafPem}\n${intermediatePem}${rootPem}`, /intermediate CA certificate BEGIN line/],
    ['text before the leaf', `subject=CN=x\n${pki.chainPem}`, /PCK leaf certificate BEGIN line at offset \d+ is "subject=CN=x/],
    ['CRLF line ends', pki.chainPem.replace(/\n/g, '\r\n'), /PCK leaf certificate BEGIN line/],
    ['76-column base64', pemWrappedAt(leafPem, 76) + intermediatePem + rootPem, /PCK leaf certificate base64 at offset \d+ is/],
    ['a NUL inside the base64', leafPem.replace('\n', '\n\0') + intermediatePem + rootPem, /PCK leaf certificate base64 at offset \d+ is "\\x00/],
    ['a character outside base64', leafPem.replace(/\n(.)/, '\n*') + intermediatePem + rootPem, /PCK leaf certificate base64/],
    ['another PEM label', leafPem + intermediatePem.replace(/CERTIFICATE/g, 'X509 CRL') + rootPem, /intermediate CA certificate BEGIN line/],
    ['a mismatched END label', leafPem.replace('END CERTIFICATE', 'END PRIVATE KEY') + intermediatePem + rootPem, /PCK leaf certificate END line/],
    ['two NULs after the root', `${pki.chainPem}\0\0`, /bytes after the root CA certificate at offset \d+ is 2 bytes \("\\x00\\x00"\), expected nothing or one 0x00/],
    ['a space after the root', `${pki.chainPem} `, /bytes after the root CA certificate/],
    ['an empty chain', '', /certificate count at offset \d+ is 0/],
  ];
  for (const [name, chain, message] of cases) {
    it(name, () => {
      const v = verifyWith(chain);
      expect(v).toMatchObject({ valid: false, chainValid: false, quoteSignatureValid: true, qeReportDataBindingValid: true });
      const f = v.failures.find((m) => m.startsWith('PCK certificate chain: '));
      expect(f).toMatch(message);
      // offsets are absolute in the quote
      expect(Number(/at offset (\d+)/.exec(f ?? '')?.[1])).toBeGreaterThanOrEqual(base);
    });
  }

  it('non-canonical base64 padding bits are refused although they decode to the same DER', () => {
    const { pem, tweaked } = leafWithPaddingBitSet();
    expect(pemToDer(tweaked)).toEqual(pemToDer(pem));
    expect(tweaked).not.toBe(pem);
    expect(verifyWith(tweaked + intermediatePem + rootPem).failures.join()).toMatch(/PCK leaf certificate base64/);
    expect(verifyWith(pem + intermediatePem + rootPem).valid).toBe(true);
  });
});

describe('DER inside a certificate is strict', () => {
  it('a BER long-form length on the outer SEQUENCE is refused before OpenSSL sees it', () => {
    expect(pemToDer(leafPem).subarray(0, 2)).toEqual(Uint8Array.of(0x30, 0x82)); // two length bytes; the case re-encodes the same length in three
    const v = verifyWith(berLengthLeafPem() + intermediatePem + rootPem);
    expect(v.valid).toBe(false);
    expect(v.failures.join('\n')).toMatch(/PCK leaf certificate: PCK leaf certificate \(DER\): DER length at offset 1 is \d+ in 3 bytes, expected the minimal encoding/);
  });

  it('the real vectors pass every strict check', () => {
    for (const name of ['quoteV4', 'quoteV5'] as const) {
      expect(verifyQuote(readVector(name), { now: SIM_VALID_AT }).failures).toEqual([]);
    }
  });
});

describe('an expired simulated leaf', () => {
  it('fails at a time after its notAfter and passes with dates unchecked', () => {
    const chain = rebuiltPem('leaf', { notAfter: new Date('2025-01-01T00:00:00Z') }) + intermediatePem + rootPem;
    const v = verifyWith(chain);
    expect(v).toMatchObject({ valid: false, datesValid: false, chainValid: true });
    expect(verifyWith(chain, { ...trustSim, checkValidity: false })).toMatchObject({ valid: true, datesValid: null });
  });
});
