/**
 * The hand-made regression cases of test/fuzz/corpus/ (the defects of issue
 * 13 and the strictness rules that close them), built deterministically from
 * the simulated PKI and the real vectors. `pnpm --filter @tdx-shbuf/tdx-formats
 * fuzz:corpus` writes them; the replay tests read the written files, so a
 * change to the builders cannot silently change a regression input.
 */
import { createHash } from 'node:crypto';
import { parseQuote, serializeQuote } from '../../src/quote-codec.js';
import { berLengthLeafPem, EMPTY_NAME, leafWithPaddingBitSet, pki, rebuiltPem, simulatedQuote, withChain } from '../chains.js';
import { readVector } from '../vectors.js';
import { negateS } from './mutate-chain.js';

const { leafPem, intermediatePem, rootPem } = pki;

function withSignatures(quote: Uint8Array, change: (s: ReturnType<typeof parseQuote>['signatureData']) => void): Uint8Array {
  const q = parseQuote(quote);
  change(q.signatureData);
  return serializeQuote(q);
}

/** File name → bytes. */
export function corpusCases(): Record<string, Uint8Array> {
  const v4 = readVector('quoteV4');
  const huge = v4.slice();
  new DataView(huge.buffer).setUint32(632, 0xffffffff, true);
  const forged = readVector('tdReport');
  forged.fill(0x41, 528, 576); // MRTD
  forged.set(createHash('sha384').update(forged.subarray(512, 1024)).digest(), 80);
  const sim = simulatedQuote;
  return {
    'sim-quote.bin': sim,
    'empty-leaf-subject.bin': withChain(sim, rebuiltPem('leaf', { subject: EMPTY_NAME }) + intermediatePem + rootPem),
    'empty-root-names.bin': withChain(sim, leafPem + rebuiltPem('intermediate', { issuer: EMPTY_NAME }) + rebuiltPem('root', { subject: EMPTY_NAME, issuer: EMPTY_NAME })),
    'forged-tdreport.bin': forged,
    'chain-two-certificates.bin': withChain(sim, leafPem + intermediatePem),
    'chain-four-certificates.bin': withChain(sim, pki.chainPem + rootPem),
    'chain-junk-between-blocks.bin': withChain(sim, `${leafPem}junk\n${intermediatePem}${rootPem}`),
    'chain-crlf.bin': withChain(sim, pki.chainPem.replace(/\n/g, '\r\n')),
    'chain-base64-padding-bits.bin': withChain(sim, leafWithPaddingBitSet().tweaked + intermediatePem + rootPem),
    'cert-ber-length.bin': withChain(sim, berLengthLeafPem() + intermediatePem + rootPem),
    'expired-leaf.bin': withChain(sim, rebuiltPem('leaf', { notAfter: new Date('2025-01-01T00:00:00Z') }) + intermediatePem + rootPem),
    'high-s-signatures.bin': withSignatures(sim, (s) => {
      s.signature = negateS(s.signature);
      s.qeReportSignature = negateS(s.qeReportSignature);
    }),
    'sig-data-len-huge.bin': huge,
  };
}
