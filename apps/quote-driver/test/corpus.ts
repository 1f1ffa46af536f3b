/** The tdx-formats fuzz corpus (packages/tdx-formats/test/fuzz/corpus/), as the CLI replays it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/tdx-formats/test/fuzz/corpus');

/** `[file, target, expected outcome]` of each README row (`| \`x.bin\` | target | \`outcome: text\` | …`). */
export function corpusRows(): [string, string, string][] {
  const rows = readFileSync(path.join(CORPUS_DIR, 'README.md'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  return rows.map((l) => {
    const [file, target, expect] = l
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim().replace(/`/g, ''));
    return [file ?? '', target ?? '', (expect ?? '').split(':')[0] ?? ''];
  });
}
