import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyQuote } from '../../src/verify-quote.js';
import { parseQuote } from '../../src/quote-codec.js';
import { FormatError } from '../../src/errors.js';
import { CORPUS_DIR, corpusEntries, corpusFiles, readCorpusFile } from './corpus.js';
import { corpusCases } from './corpus-cases.js';
import { checkQuote, checkTdReport } from './oracle.js';
import { QUOTE_TARGETS, SIM_ROOT_PEM, TDREPORT_TARGETS } from './targets.js';

describe('fuzz corpus replay', () => {
  const entries = corpusEntries();

  it('describes every .bin in its README, and every row has a file', () => {
    expect(entries.map((e) => e.file).sort()).toEqual(corpusFiles());
    console.log(`fuzz corpus: ${entries.length} saved inputs replayed`);
  });

  it('holds the bytes corpus-cases.ts builds, and the simulated root they trust', () => {
    expect(readFileSync(path.join(CORPUS_DIR, 'sim-root.pem'), 'latin1')).toBe(SIM_ROOT_PEM);
    for (const [file, bytes] of Object.entries(corpusCases())) expect(readCorpusFile(file), file).toEqual(bytes);
  });

  for (const e of entries) {
    it(`${e.file}: ${e.outcome}${e.text ? ` (${e.text})` : ''}`, () => {
      const input = readCorpusFile(e.file);
      const quoteTarget = QUOTE_TARGETS.find((t) => t.name === e.target);
      const reportTarget = TDREPORT_TARGETS.find((t) => t.name === e.target);
      expect(quoteTarget ?? reportTarget, `target ${e.target}`).toBeDefined();
      const r = quoteTarget ? checkQuote(input, quoteTarget.opts, quoteTarget.attested) : checkTdReport(input, reportTarget!.seed, reportTarget!.macKey);
      expect(r.finding).toBeNull();
      expect(r.outcome).toBe(e.outcome);
      if (e.outcome === 'failed' && quoteTarget) expect(verifyQuote(input, quoteTarget.opts).failures.join('\n')).toContain(e.text);
      if (e.outcome === 'format-error') {
        expect(() => parseQuote(input)).toThrow(FormatError);
        expect(() => parseQuote(input)).toThrow(e.text);
      }
    });
  }
});
