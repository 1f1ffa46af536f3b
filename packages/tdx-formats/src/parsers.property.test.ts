/**
 * Property: on truncated, extended and byte-flipped real vectors every parser
 * either returns a value that re-serializes to exactly its input, or throws a
 * FormatError — nothing else, no hang. Runs per property: $FC_NUM_RUNS (default 3000).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readVector } from '../test/vectors.js';
import { FormatError } from './errors.js';
import { encodeGetQuoteRequest, encodeGetQuoteResponse, parseQgsMessage, serializeQgsMessage } from './qgs.js';
import { parseQuote, serializeQuote } from './quote-codec.js';
import { parseQuoteBuf, serializeQuoteBuf } from './quote-buf.js';
import { parseTdReport, serializeTdReport } from './tdreport.js';
import { createSimulatedQuoteService } from './sim-quote-service.js';
import { generateTdReport, verifyTdReport } from './tdreport-generate.js';
import { verifyQuote } from './verify-quote.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 3000);
if (!Number.isInteger(NUM_RUNS) || NUM_RUNS < 1) throw new Error(`FC_NUM_RUNS must be a positive integer, got ${process.env.FC_NUM_RUNS}`);
let totalCases = 0;
afterAll(() => {
  console.log(`fast-check: ${totalCases} generated cases in total (${NUM_RUNS} runs per property)`);
});

/** A mutation: optional cut, optional extension, up to 4 XOR flips (biased to length/type fields). */
function mutation(len: number, hotSpots: readonly number[]) {
  const at = fc.oneof(fc.nat({ max: len - 1 }), fc.constantFrom(...hotSpots.filter((o) => o < len)));
  return fc.record({
    cut: fc.option(fc.nat({ max: len }), { nil: undefined }),
    extend: fc.uint8Array({ maxLength: 48 }),
    flips: fc.array(fc.record({ at, mask: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
  });
}

function apply(bytes: Uint8Array, m: { cut: number | undefined; extend: Uint8Array; flips: { at: number; mask: number }[] }): Uint8Array {
  const out = bytes.slice();
  for (const f of m.flips) out[f.at] = (out[f.at] ?? 0) ^ f.mask;
  const cut = m.cut === undefined ? out : out.subarray(0, m.cut);
  const res = new Uint8Array(cut.length + m.extend.length);
  res.set(cut);
  res.set(m.extend, cut.length);
  return res;
}

/** Parse; a value must round-trip, an error must be a FormatError. Returns whether it parsed. */
function roundTripOrFormatError<T>(input: Uint8Array, parse: (b: Uint8Array) => T, serialize: (v: T) => Uint8Array, after?: (v: T) => void): boolean {
  let value: T;
  try {
    value = parse(input);
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    expect(e.offset).toBeGreaterThanOrEqual(0);
    return false;
  }
  expect(serialize(value)).toEqual(input);
  after?.(value);
  return true;
}

function run(name: string, bytes: Uint8Array, hotSpots: number[], check: (input: Uint8Array) => boolean): void {
  it(name, () => {
    let parsed = 0;
    fc.assert(
      fc.property(mutation(bytes.length, hotSpots), (m) => {
        totalCases++;
        if (check(apply(bytes, m))) parsed++;
      }),
      { numRuns: NUM_RUNS },
    );
    // both outcomes must occur, or the property is not exercising the parser
    expect(parsed).toBeGreaterThan(0);
    expect(parsed).toBeLessThan(NUM_RUNS);
  }, 120_000);
}

function quoteHotSpots(bytes: Uint8Array): number[] {
  const q = parseQuote(bytes);
  const sig = q.signedLength + 4;
  const auth = sig + 128 + 6 + 384 + 64;
  const inner = auth + 2 + q.signatureData.qeAuthData.length;
  return [0, 1, 2, 4, 48, 49, 50, 51, q.signedLength, q.signedLength + 1, sig + 128, sig + 130, sig + 131, auth, auth + 1, inner, inner + 2, inner + 3];
}

describe('parsers never throw anything but FormatError (fast-check)', () => {
  for (const name of ['quoteV4', 'quoteV5'] as const) {
    const bytes = readVector(name);
    run(`parseQuote/serializeQuote/verifyQuote on mutated ${name}`, bytes, quoteHotSpots(bytes), (input) =>
      roundTripOrFormatError(input, parseQuote, serializeQuote, () => {
        const v = verifyQuote(input);
        expect(typeof v.valid).toBe('boolean');
      }),
    );
  }

  const macKey = new Uint8Array(32).fill(3);
  const service = createSimulatedQuoteService({ platformMacKey: macKey, seed: 'property', padQuoteTo: 5006 });
  const simulated = service.quoteTdReport(generateTdReport({ reportData: new Uint8Array(64).fill(9), macKey }));
  if (!simulated.ok) throw new Error(simulated.reason);
  run('parseQuote/serializeQuote/verifyQuote on a mutated simulated quote', simulated.quote, quoteHotSpots(simulated.quote), (input) =>
    roundTripOrFormatError(input, parseQuote, serializeQuote, () => {
      expect(typeof verifyQuote(input, { trustedRootPem: service.rootCaPem }).valid).toBe('boolean');
    }),
  );

  const report = readVector('tdReport');
  run('parseTdReport/serializeTdReport/verifyTdReport on a mutated TDREPORT', report, [0, 1, 2, 3, 1023], (input) =>
    roundTripOrFormatError(input, parseTdReport, serializeTdReport, () => {
      expect(typeof verifyTdReport(input, macKey).valid).toBe('boolean');
    }),
  );

  const req = encodeGetQuoteRequest(report, Uint8Array.of(1, 2, 3, 4));
  run('parseQgsMessage on a mutated GET_QUOTE_REQ', req, [0, 3, 4, 6, 8, 12, 16, 20, 24], (input) => roundTripOrFormatError(input, parseQgsMessage, serializeQgsMessage));

  const resp = encodeGetQuoteResponse({ quote: readVector('quoteV4').subarray(0, 600), selectedId: Uint8Array.of(7) });
  run('parseQgsMessage on a mutated GET_QUOTE_RESP', resp, [0, 3, 4, 8, 12, 16, 20, 24], (input) => roundTripOrFormatError(input, parseQgsMessage, serializeQgsMessage));

  const buf = serializeQuoteBuf({ version: 1n, status: 0n, inLen: 8, outLen: 8, data: new Uint8Array(8) });
  run('parseQuoteBuf on a mutated tdx_quote_buf', buf, [0, 8, 16, 20, 23], (input) => roundTripOrFormatError(input, parseQuoteBuf, serializeQuoteBuf));

  it('parseQuote on arbitrary bytes starting with a v4/v5 TDX header', () => {
    fc.assert(
      fc.property(fc.constantFrom(4, 5), fc.uint8Array({ maxLength: 2048 }), (version, tail) => {
        totalCases++;
        const input = new Uint8Array(8 + tail.length);
        input.set([version, 0, 2, 0, 0x81, 0, 0, 0]);
        input.set(tail, 8);
        roundTripOrFormatError(input, parseQuote, serializeQuote);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);
});
