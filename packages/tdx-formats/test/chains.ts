/**
 * Hostile PCK chains for tests: the simulated PKI's keys with certificates
 * rebuilt from changed specs, and quotes carrying any chain bytes. The chain
 * is not covered by the quote or QE report signatures, so swapping it keeps
 * both valid: only chain verification can refuse it.
 */
import { buildSimulatedQuote } from '../src/sim-quote.js';
import { createSimulatedPki, SIMULATED_INTERMEDIATE_SUBJECT, SIMULATED_LEAF_SUBJECT, SIMULATED_ROOT_SUBJECT, type SimulatedPki } from '../src/sim-pki.js';
import { generateTdReport } from '../src/tdreport-generate.js';
import { derToPem } from '../src/pem.js';
import { parseQuote, serializeQuote } from '../src/quote-codec.js';
import { buildCertificate, type CertSpec } from '../src/x509-build.js';

export const TEST_SEED = new TextEncoder().encode('tdx-formats hostile chains');
/** Inside every simulated certificate's validity (2024-01-01 .. 2049-12-31). */
export const SIM_VALID_AT = new Date('2026-06-01T00:00:00Z');
/** Inside both real vectors' validity (the v5 leaf starts 2026-01-27, the v4 leaf ends 2029-09-20). */
export const VECTORS_VALID_AT = new Date('2026-06-01T00:00:00Z');

export const pki: SimulatedPki = createSimulatedPki(TEST_SEED);
export const EMPTY_NAME = { cn: '', o: '', c: '' };

type Role = 'leaf' | 'intermediate' | 'root';

/** The spec the simulated PKI uses for `role` (sim-pki.ts), to change and rebuild. */
export function simulatedSpec(role: Role): CertSpec {
  const common = { notBefore: new Date(Date.UTC(2024, 0, 1)), notAfter: new Date(Date.UTC(2049, 11, 31, 23, 59, 59)) };
  const root = pki.rootKey;
  const mid = pki.intermediateKey;
  if (role === 'root') {
    return {
      ...common,
      serial: 1n,
      subject: SIMULATED_ROOT_SUBJECT,
      issuer: SIMULATED_ROOT_SUBJECT,
      subjectPublicKey: root.publicKeyUncompressed,
      issuerPublicKey: root.publicKeyUncompressed,
      issuerSecretKey: root.secretKey,
      isCa: true,
    };
  }
  if (role === 'intermediate') {
    return {
      ...common,
      serial: 2n,
      subject: SIMULATED_INTERMEDIATE_SUBJECT,
      issuer: SIMULATED_ROOT_SUBJECT,
      subjectPublicKey: mid.publicKeyUncompressed,
      issuerPublicKey: root.publicKeyUncompressed,
      issuerSecretKey: root.secretKey,
      isCa: true,
    };
  }
  return {
    ...common,
    serial: 3n,
    subject: SIMULATED_LEAF_SUBJECT,
    issuer: SIMULATED_INTERMEDIATE_SUBJECT,
    subjectPublicKey: pki.pckLeafKey.publicKeyUncompressed,
    issuerPublicKey: mid.publicKeyUncompressed,
    issuerSecretKey: mid.secretKey,
    isCa: false,
  };
}

/** PEM of the simulated certificate for `role` with `change` applied (re-signed by its issuer key). */
export function rebuiltPem(role: Role, change: Partial<CertSpec> = {}): string {
  return derToPem(buildCertificate({ ...simulatedSpec(role), ...change }));
}

/** A simulated quote (valid with `pki.rootPem` trusted), padded as QGS does. */
export const simulatedQuote: Uint8Array = buildSimulatedQuote(generateTdReport({ reportData: new Uint8Array(64).fill(0x5a), macKey: new Uint8Array(32).fill(7) }), pki, TEST_SEED, { padTo: 5006 });

/** `quote` with its PCK chain replaced by `chain` (text is latin1-encoded); every length field is recomputed. */
export function withChain(quote: Uint8Array, chain: Uint8Array | string): Uint8Array {
  const q = parseQuote(quote);
  q.signatureData.pckCertChain = typeof chain === 'string' ? new Uint8Array(Buffer.from(chain, 'latin1')) : chain;
  return serializeQuote(q);
}

/** Base64 of a PEM block's body. */
export const base64Of = (pem: string): string => pem.replace(/-----[A-Z ]+-----|\n/g, '');

/**
 * A leaf whose base64 ends in padding, and the same text with one unused
 * padding bit set: it decodes to the same DER, so only strict framing can
 * tell them apart.
 */
export function leafWithPaddingBitSet(): { pem: string; tweaked: string } {
  const serial = [3n, 4n, 5n, 6n, 7n, 8n].find((n) => base64Of(rebuiltPem('leaf', { serial: n })).endsWith('='));
  const pem = rebuiltPem('leaf', { serial });
  const text = base64Of(pem);
  const i = text.replace(/=+$/, '').length - 1;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const changed = text.slice(0, i) + alphabet[alphabet.indexOf(text[i] ?? 'A') ^ 1] + text.slice(i + 1);
  return { pem, tweaked: pem.replace(text.slice(-20), changed.slice(-20)) };
}

/** The simulated leaf with its outer SEQUENCE length in three bytes (BER, not DER), framed as strict PEM. */
export function berLengthLeafPem(): string {
  const der = Buffer.from(base64Of(pki.leafPem), 'base64');
  return derToPem(Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]));
}
