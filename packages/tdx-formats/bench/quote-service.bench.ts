/**
 * Simulated quote service benchmark (issue 14): prints figures, asserts nothing.
 *   - P-256 signatures/s: signP256 (RFC 6979, k·G by node:crypto) on distinct
 *     messages, the pure-JS @noble/curves signer it replaced, and a remembered one;
 *   - quotes/s of the simulated QGS (GET_QUOTE_REQ in, GET_QUOTE_RESP out, MAC
 *     check included): every report new, and 50 reports quoted over and over as
 *     an experiment's runs do;
 *   - building the PKI, and a service for an already seen seed.
 * Run: pnpm --filter @tdx-shbuf/tdx-formats bench   (builds dist first and measures it)
 */
import { p256 } from '@noble/curves/nist.js';
import { createSimulatedPki, createSimulatedQuoteService, deriveP256Key, encodeGetQuoteRequest, generateTdReport, signP256 } from '@tdx-shbuf/tdx-formats';

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/** Calls of `fn(i)` per second over about `ms` of wall time, after a warm-up of `warm` calls. */
function rate(fn: (i: number) => unknown, ms = 1000, warm = 50): number {
  for (let i = 0; i < warm; i++) fn(-1 - i);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let j = 0; j < 20; j++) fn(n++);
    t = performance.now();
  }
  return n / ((t - t0) / 1000);
}

const message = (i: number) => {
  const m = new Uint8Array(632);
  new DataView(m.buffer).setFloat64(0, i);
  return m;
};
const { secretKey } = deriveP256Key(new TextEncoder().encode('bench'), 'attestation-key');
console.log('P-256 ECDSA/SHA-256 signatures of 632-byte messages (a quote header + body):');
console.log(`  signP256, distinct messages (RFC 6979, k·G by node:crypto): ${fmt(rate((i) => signP256(message(i), secretKey)))}/s`);
console.log(`  @noble/curves p256.sign (pure JS, used before):             ${fmt(rate((i) => p256.sign(message(i), secretKey, { prehash: true, lowS: false }), 1000, 20))}/s`);
const same = message(0);
console.log(`  signP256, one message again (remembered):                  ${fmt(rate(() => signP256(same, secretKey)))}/s`);

const macKey = new Uint8Array(32).fill(0x5a);
const reportRequest = (i: number) => {
  const reportData = new Uint8Array(64);
  new DataView(reportData.buffer).setFloat64(0, i);
  return encodeGetQuoteRequest(generateTdReport({ reportData, macKey }));
};
const service = createSimulatedQuoteService({ platformMacKey: macKey, seed: 'bench' });
/** Quotes per second over `requests`, each answered once. */
function quoteRate(requests: Uint8Array[]): number {
  const t0 = performance.now();
  for (const r of requests) service.handleRequest(r);
  return requests.length / ((performance.now() - t0) / 1000);
}
const fresh = Array.from({ length: 6000 }, (_, i) => reportRequest(i));
const fifty = Array.from({ length: 50 }, (_, i) => reportRequest(1e9 + i));
quoteRate(fresh.slice(0, 100).map((_, i) => reportRequest(-1 - i))); // warm-up on other reports
console.log('simulated QGS, GET_QUOTE_REQ → GET_QUOTE_RESP (TDREPORT checks, MAC, Quote v4 with a 3-certificate chain):');
console.log(`  every report new (6,000):                     ${fmt(quoteRate(fresh))} quotes/s`);
console.log(`  50 reports quoted 120 times, as runs repeat:  ${fmt(quoteRate(Array.from({ length: 6000 }, (_, i) => fifty[i % 50]!)))} quotes/s`);

const pkiMs = 1000 / rate((i) => createSimulatedPki(new TextEncoder().encode(`pki ${i}`)), 500, 5);
const serviceMs = 1000 / rate(() => createSimulatedQuoteService({ platformMacKey: macKey, seed: 'bench' }), 500);
console.log(`PKI for a new seed (4 keys, 3 certificates): ${pkiMs.toFixed(2)} ms; a service for a seen seed: ${(serviceMs * 1000).toFixed(1)} µs`);
