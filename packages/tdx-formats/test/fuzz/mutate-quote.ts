/**
 * Structure-aware mutation of a quote: parse the seed, change fields of the
 * parsed structure (the serializer then recomputes every length), or write
 * interesting values into the length and type fields of the serialized bytes
 * at their real offsets (lengths then disagree), or hand the chain to
 * mutate-chain.ts. A case applies 1–3 mutations and records their names.
 */
import { readPckCertChain } from '../../src/pck-chain.js';
import { parseQuote, serializeQuote, type Quote } from '../../src/quote-codec.js';
import { QE_REPORT_SIZE } from '../../src/quote-signature.js';
import { QUOTE_MAX_SIZE } from '../../src/limits.js';
import { chainText, mutateCertificate, mutateCertificateList, mutatePem, negateS } from './mutate-chain.js';
import { flipBit, type Rng } from './rng.js';

/** Byte offsets of a serialized quote's length and type fields. */
export function fieldOffsets(q: Quote): Record<string, number> {
  const sig = q.signedLength + 4;
  const outer = sig + 128;
  const auth = outer + 6 + QE_REPORT_SIZE + 64;
  const inner = auth + 2 + q.signatureData.qeAuthData.length;
  return {
    version: 0,
    attKeyType: 2,
    teeType: 4,
    ...(q.header.version === 5 ? { bodyType: 48, bodySize: 50 } : {}),
    sigDataLen: q.signedLength,
    outerType: outer,
    outerSize: outer + 2,
    authSize: auth,
    innerType: inner,
    innerSize: inner + 2,
  };
}

const U16_FIELDS = new Set(['version', 'attKeyType', 'bodyType', 'outerType', 'authSize', 'innerType']);

/** Change the parsed quote (lengths stay consistent when it is serialized). */
function mutateStructure(rng: Rng, q: Quote): string {
  const sig = q.signatureData;
  switch (rng.int(10)) {
    case 0:
      sig.qeAuthData = rng.bytes(rng.pick([0, 1, 31, 33, 64, rng.int(600)]));
      return 'qe-auth-data-resize';
    case 1:
      sig.attestationKey = rng.chance(0.5) ? rng.bytes(64) : new Uint8Array(64);
      return 'attestation-key';
    case 2:
      if (rng.chance(0.5)) sig.signature = negateS(sig.signature);
      else sig.qeReportSignature = negateS(sig.qeReportSignature);
      return 'ecdsa-negate-s';
    case 3: {
      const target = rng.chance(0.5) ? 'signature' : 'qeReportSignature';
      sig[target] = rng.pick([new Uint8Array(64), rng.bytes(64), new Uint8Array(64).fill(0xff)]);
      return 'ecdsa-signature-value';
    }
    case 4: {
      const fields = ['mrTd', 'mrSeam', 'reportData', 'tdAttributes', 'xfam', 'mrOwner'] as const;
      const f = rng.pick(fields);
      const v = q.body[f].slice();
      flipBit(v, rng.int(v.length), 1 << rng.int(8));
      q.body[f] = v;
      return 'body-field';
    }
    case 5:
      if (q.header.version === 4) {
        q.header.version = 5;
        q.bodyType = rng.chance(0.5) ? 2 : 3;
        if (q.bodyType === 3) Object.assign(q.body, { teeTcbSvn2: new Uint8Array(16), mrServiceTd: new Uint8Array(48) });
      } else {
        q.header.version = 4;
        delete q.bodyType;
      }
      return 'header-version-switch';
    case 6: {
      const r = sig.qeReport.slice();
      flipBit(r, rng.int(QE_REPORT_SIZE), 1 << rng.int(8));
      sig.qeReport = r;
      return 'qe-report-byte';
    }
    case 7:
      q.trailing = rng.pick([new Uint8Array(0), rng.bytes(rng.int(300)), new Uint8Array(rng.int(4096)), new TextEncoder().encode('\nextra bytes\n')]);
      return 'trailing-bytes';
    case 8:
      q.header.userData = rng.bytes(20);
      return 'header-user-data';
    default:
      sig.pckCertChain = rng.chance(0.5) ? new Uint8Array(0) : rng.bytes(rng.int(200));
      return 'chain-replaced-by-bytes';
  }
}

/** Change the chain at DER, list or PEM level. */
function mutateChain(rng: Rng, q: Quote, foreign: readonly Uint8Array[]): string {
  const read = readPckCertChain(q.signatureData.pckCertChain);
  const certs = read.certificates.slice();
  let name: string;
  let text: string;
  const level = rng.int(3);
  if (level === 0 && certs.length > 0) {
    const i = rng.int(certs.length);
    const [der, n] = mutateCertificate(rng, certs[i]!);
    certs[i] = der;
    name = n;
    text = chainText(certs, read.terminatingNul);
  } else if (level === 1) {
    name = mutateCertificateList(rng, certs, foreign);
    text = chainText(certs, read.terminatingNul);
  } else {
    [text, name] = mutatePem(rng, Buffer.from(q.signatureData.pckCertChain).toString('latin1'));
  }
  q.signatureData.pckCertChain = new Uint8Array(Buffer.from(text, 'latin1'));
  return name;
}

/** Write an interesting value into a length/type field, truncate, or extend the bytes. */
function mutateRaw(rng: Rng, bytes: Uint8Array, q: Quote): [Uint8Array, string] {
  const offsets = fieldOffsets(q);
  const op = rng.int(6);
  if (op === 0) return [bytes.subarray(0, rng.int(bytes.length)), 'raw-truncate'];
  if (op === 1) {
    const extra = Math.min(rng.pick([1, 16, 4096, QUOTE_MAX_SIZE - bytes.length, QUOTE_MAX_SIZE - bytes.length + 1]), QUOTE_MAX_SIZE + 1 - bytes.length);
    const out = new Uint8Array(bytes.length + Math.max(0, extra));
    out.set(bytes);
    return [out, 'raw-extend'];
  }
  if (op === 2) {
    const out = bytes.slice();
    const i = rng.int(out.length);
    out[i] = (out[i] ?? 0) ^ (1 + rng.int(255));
    return [out, 'raw-byte'];
  }
  const [field, at] = rng.pick(Object.entries(offsets));
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (at + 4 > out.length) return [out, 'raw-noop'];
  if (U16_FIELDS.has(field)) {
    const current = view.getUint16(at, true);
    view.setUint16(at, rng.pick([current + 1, current - 1, 0, 1, 2, 3, 4, 5, 6, 7, 0x81, 0xffff, rng.int(0x10000)]) & 0xffff, true);
  } else if (field === 'teeType') {
    view.setUint32(at, rng.pick([0, 0x80, 0x00000081 ^ (1 << rng.int(32)), rng.u32()]) >>> 0, true);
  } else {
    view.setUint32(at, rng.interestingU32(view.getUint32(at, true)), true);
  }
  return [out, `raw-${field}`];
}

/** One fuzz case from `seed`: the mutated bytes and the names of the mutations applied. */
export function mutateQuote(rng: Rng, seed: Uint8Array, foreign: readonly Uint8Array[]): { input: Uint8Array; ops: string[] } {
  const q = parseQuote(seed);
  const ops: string[] = [];
  const n = 1 + rng.int(3);
  let rawCount = 0;
  for (let i = 0; i < n; i++) {
    const kind = rng.int(10);
    if (kind < 4) ops.push(mutateChain(rng, q, foreign));
    else if (kind < 7) ops.push(mutateStructure(rng, q));
    else rawCount++;
  }
  let input: Uint8Array;
  try {
    input = serializeQuote(q);
  } catch {
    // the structure no longer serializes (e.g. grew past the size bound): fall back to the seed
    input = seed.slice();
    ops.push('serialize-refused');
  }
  for (let i = 0; i < rawCount; i++) {
    const [out, name] = mutateRaw(rng, input, q);
    input = out;
    ops.push(name);
  }
  return { input, ops };
}
