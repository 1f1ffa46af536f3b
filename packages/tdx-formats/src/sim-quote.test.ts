import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { parseQuote } from './quote-codec.js';
import { createSimulatedPki } from './sim-pki.js';
import { buildSimulatedQuote, quoteFromQe, simulatedQe } from './sim-quote.js';
import { generateTdReport } from './tdreport-generate.js';
import { verifyQuote } from './verify-quote.js';

const macKey = new Uint8Array(32).fill(7);
const seed = new TextEncoder().encode('sim-quote test seed');
const pki = createSimulatedPki(seed);
const reportWith = (fill: number) => generateTdReport({ reportData: new Uint8Array(64).fill(fill), macKey });
/** The pure-JS RFC 6979 signer the simulated QE used before node:crypto did its curve arithmetic. */
const nobleSign = (msg: Uint8Array, sk: Uint8Array) => p256.sign(msg, sk, { prehash: true, lowS: false });

describe('quoteFromQe', () => {
  const qe = simulatedQe(pki, seed);

  it('signs header + body with the attestation key and carries the once-signed QE report, as an RFC 6979 signer would', () => {
    const [a, b] = [quoteFromQe(qe, reportWith(1)), quoteFromQe(qe, reportWith(2))];
    for (const bytes of [a, b]) {
      const q = parseQuote(bytes);
      expect(q.signatureData.signature).toEqual(nobleSign(bytes.subarray(0, 632), pki.attestationKey.secretKey));
      expect(q.signatureData.qeReportSignature).toEqual(nobleSign(q.signatureData.qeReport, pki.pckLeafKey.secretKey));
      expect(verifyQuote(bytes, { trustedRootPem: pki.rootPem }).failures).toEqual([]);
    }
    expect(parseQuote(a).signatureData.signature).not.toEqual(parseQuote(b).signatureData.signature);
    expect(parseQuote(a).signatureData.qeReportSignature).toEqual(parseQuote(b).signatureData.qeReportSignature);
  });

  it('gives the bytes buildSimulatedQuote gives, padded or not, for default and custom QE auth data', () => {
    const report = reportWith(3);
    expect(quoteFromQe(qe, report)).toEqual(buildSimulatedQuote(report, pki, seed));
    expect(quoteFromQe(qe, report, 5006)).toEqual(buildSimulatedQuote(report, pki, seed, { padTo: 5006 }));
    const auth = new Uint8Array(16).fill(0xee);
    const custom = quoteFromQe(simulatedQe(pki, seed, auth), report);
    expect(custom).toEqual(buildSimulatedQuote(report, pki, seed, { qeAuthData: auth }));
    expect(parseQuote(custom).signatureData.qeAuthData).toEqual(auth);
    expect(verifyQuote(custom, { trustedRootPem: pki.rootPem }).valid).toBe(true);
  });

  it('keeps its own copy of the QE auth data', () => {
    const auth = Uint8Array.from({ length: 32 }, (_, i) => i); // the default
    const own = simulatedQe(pki, seed, auth);
    auth.fill(0);
    expect(quoteFromQe(own, reportWith(4))).toEqual(quoteFromQe(qe, reportWith(4)));
  });
});
