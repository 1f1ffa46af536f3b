/**
 * The saved fuzz corpus: test/fuzz/corpus/*.bin, each described by one row of
 * corpus/README.md — `| file | target | expect | origin | what |` — where
 * target names a fuzz target (targets.ts) and expect is `verified`,
 * `consistent`, `failed: <text>` or `format-error: <text>`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');

export interface CorpusEntry {
  file: string;
  target: string;
  outcome: 'verified' | 'consistent' | 'failed' | 'format-error';
  /** Text the failure or FormatError message contains ('' for verified/consistent). */
  text: string;
}

/** The README rows, in order. */
export function corpusEntries(): CorpusEntry[] {
  const readme = readFileSync(path.join(CORPUS_DIR, 'README.md'), 'utf8');
  return readme
    .split('\n')
    .filter((l) => /^\| `[^`]+\.bin` \|/.test(l))
    .map((l) => {
      const [file = '', target = '', expect = ''] = l
        .split('|')
        .slice(1)
        .map((c) => c.trim().replace(/^`|`$/g, ''));
      const [outcome = '', ...text] = expect.split(': ');
      return { file, target, outcome: outcome as CorpusEntry['outcome'], text: text.join(': ') };
    });
}

/** Every .bin file in the corpus folder. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.bin'))
    .sort();
}

export function readCorpusFile(file: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(CORPUS_DIR, file)));
}
