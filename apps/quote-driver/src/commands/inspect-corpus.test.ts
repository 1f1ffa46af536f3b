import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusRows } from '../../test/corpus.js';
import { processIo } from '../io.js';
import { main } from '../main.js';

/** Exit code `inspect` owes each expected outcome (see inspect --help). */
const EXIT_FOR: Record<string, number> = { verified: 0, failed: 1, 'format-error': 2, consistent: 3 };

describe('tdx-shbuf inspect replays the tdx-formats fuzz corpus: an exit code, never a stack trace', () => {
  const rows = corpusRows();
  it('finds the corpus', () => expect(rows.length).toBeGreaterThanOrEqual(10));

  for (const [file, target, outcome] of rows) {
    it(`${file} (${target}) → ${outcome}, exit ${EXIT_FOR[outcome]}`, async () => {
      const trust = target === 'sim' ? ['--trusted-root', path.join(CORPUS_DIR, 'sim-root.pem')] : [];
      const dates = target.startsWith('tdreport') ? [] : ['--at', '2026-06-01'];
      let stdout = '';
      let stderr = '';
      const code = await main(['inspect', path.join(CORPUS_DIR, file), ...trust, ...dates, '--json'], {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        readFile: processIo.readFile,
      });
      expect(code).toBe(EXIT_FOR[outcome]);
      if (outcome === 'format-error') {
        expect(stderr).toMatch(/^tdx-shbuf inspect: [^\n]+\n$/);
        expect(stdout).toBe('');
      } else {
        expect(stderr).toBe('');
        expect(JSON.parse(stdout).verdict).toBe(outcome);
      }
    });
  }
});
