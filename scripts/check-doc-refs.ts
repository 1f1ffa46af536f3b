/**
 * Every citation of the project's docs resolves, and nothing cites files outside
 * the repository: `docs/model.md §N` and `docs/contributing.md §N` name sections
 * that exist, `docs/architecture.md "Heading"` names text the page has, and no
 * source, test or doc refers to DESIGN.md, DOMAIN.md, STYLE.md or a shared/
 * folder beside the checkout. Exits 1 listing every broken reference.
 *
 *   node --import tsx scripts/check-doc-refs.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mts|js|mjs|md|json|yaml|yml|sh)$/.test(f) && !f.startsWith('.changeset/') && !f.endsWith('pnpm-lock.yaml') && f !== 'scripts/check-doc-refs.ts');

const sections = (doc: string) => new Set([...read(doc).matchAll(/^(?:## §(\d+)|\*\*§(\d+) )/gm)].map((m) => Number(m[1] ?? m[2])));
const model = sections('docs/model.md');
const contributing = sections('docs/contributing.md');
const architecture = read('docs/architecture.md').toLowerCase();

const problems: string[] = [];
let refs = 0;
for (const f of files) {
  let text: string;
  try {
    text = read(f);
  } catch {
    continue; // listed but deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    const at = `${f}:${i + 1}`;
    for (const m of line.matchAll(/docs\/(model|contributing)\.md,? §(\d+)((?:\s*[/,–-]\s*§?\d+)*)/g)) {
      const nums = [Number(m[2]), ...[...(m[3] ?? '').matchAll(/\d+/g)].map((n) => Number(n[0]))];
      for (const n of nums) {
        refs++;
        if (!(m[1] === 'model' ? model : contributing).has(n)) problems.push(`${at}: docs/${m[1]}.md §${n} does not exist`);
      }
    }
    for (const m of line.matchAll(/docs\/architecture\.md,? "([^"]+)"/g)) {
      refs++;
      if (!architecture.includes(m[1]!.toLowerCase())) problems.push(`${at}: docs/architecture.md has no "${m[1]}"`);
    }
    if (/\b(DESIGN|DOMAIN|STYLE)\.md\b|\.\.\/shared\/|\/work\/shared/.test(line)) problems.push(`${at}: refers to a file outside the repository: ${line.trim().slice(0, 120)}`);
  });
}
if (problems.length) {
  console.error(`${problems.length} broken doc reference(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`doc references: ${refs} citations of docs/model.md, docs/architecture.md and docs/contributing.md resolve; none points outside the repository`);
