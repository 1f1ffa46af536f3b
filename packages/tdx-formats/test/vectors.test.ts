import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VECTOR_FILES, VECTORS_DIR, readVector } from './vectors.js';

/** The vectors are the bytes their README says they are: size and SHA-256 per file, licences beside them. */
describe('test/vectors', () => {
  const readme = readFileSync(path.join(VECTORS_DIR, 'README.md'), 'utf8');
  for (const [key, file] of Object.entries(VECTOR_FILES)) {
    it(`${file} matches its README row`, () => {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${file}\``));
      expect(row, `README row for ${file}`).toBeDefined();
      const [, , , , , bytes, sha] = row!.split('|').map((c) => c.trim().replace(/`/g, ''));
      const data = readVector(key as keyof typeof VECTOR_FILES);
      expect(data.length).toBe(Number(bytes));
      expect(createHash('sha256').update(data).digest('hex')).toBe(sha);
    });
  }
  it('keeps the licence texts next to the data', () => {
    expect(readFileSync(path.join(VECTORS_DIR, 'LICENSE-Apache-2.0.txt'), 'utf8')).toMatch(/Apache License/);
    expect(readFileSync(path.join(VECTORS_DIR, 'LICENSE-Intel-DCAP-BSD.txt'), 'utf8')).toMatch(/Redistribution and use/);
  });
});
