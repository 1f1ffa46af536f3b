/**
 * What the fuzzer mutates: both real quotes (pinned Intel root, checked at a
 * time inside their validity), a simulated quote (its own root trusted), and
 * TDREPORTs (the real one and a simulated one whose model MAC key is known).
 */
import { readPckCertChain } from '../../src/pck-chain.js';
import { parseQuote } from '../../src/quote-codec.js';
import { createSimulatedPki } from '../../src/sim-pki.js';
import { generateTdReport } from '../../src/tdreport-generate.js';
import type { VerifyQuoteOptions } from '../../src/verify-quote.js';
import { pki, SIM_VALID_AT, simulatedQuote, VECTORS_VALID_AT } from '../chains.js';
import { readVector } from '../vectors.js';
import { attestedContent } from './oracle.js';

export interface QuoteTarget {
  name: string;
  seed: Uint8Array;
  opts: VerifyQuoteOptions;
  attested: Uint8Array;
}

export interface TdReportTarget {
  name: string;
  seed: Uint8Array;
  macKey: Uint8Array;
}

function quoteTarget(name: string, seed: Uint8Array, opts: VerifyQuoteOptions): QuoteTarget {
  const attested = attestedContent(seed);
  if (!attested) throw new Error(`fuzz seed ${name} has no readable chain`);
  return { name, seed, opts, attested };
}

/** The trusted root PEM the simulated target (and corpus files marked `sim`) verify with. */
export const SIM_ROOT_PEM = pki.rootPem;

export const QUOTE_TARGETS: readonly QuoteTarget[] = [
  quoteTarget('intel-v4', readVector('quoteV4'), { now: VECTORS_VALID_AT }),
  quoteTarget('intel-v5', readVector('quoteV5'), { now: VECTORS_VALID_AT }),
  quoteTarget('sim', simulatedQuote, { trustedRootPem: SIM_ROOT_PEM, now: SIM_VALID_AT }),
];

const TDREPORT_KEY = new Uint8Array(32).fill(0x33);
export const TDREPORT_TARGETS: readonly TdReportTarget[] = [
  { name: 'tdreport-real', seed: readVector('tdReport'), macKey: TDREPORT_KEY },
  { name: 'tdreport-sim', seed: generateTdReport({ reportData: new Uint8Array(64).fill(0xee), macKey: TDREPORT_KEY }), macKey: TDREPORT_KEY },
];

/** Certificates from every chain, plus another seed's PKI: "foreign" certificates to splice in. */
export const FOREIGN_CERTIFICATES: readonly Uint8Array[] = [
  ...QUOTE_TARGETS.flatMap((t) => readPckCertChain(parseQuote(t.seed).signatureData.pckCertChain).certificates),
  ...readPckCertChain(new Uint8Array(Buffer.from(createSimulatedPki(new TextEncoder().encode('another platform')).chainPem, 'latin1'))).certificates,
];
