/**
 * Package boundaries: code reaches another workspace package only by its name
 * and its exported entry points, never by a relative path into its folder,
 * never by a deep path (`@tdx-shbuf/x/src/...`), and nothing outside
 * packages/core imports `@tdx-shbuf/core/internal` (the machine's parts,
 * kept for core's own bench). Exits 1 listing every violation.
 *
 *   node --import tsx scripts/check-boundaries.ts
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Workspace package folders (relative to the repo), from pnpm-workspace.yaml's globs. */
function packageDirs(): string[] {
  const out: string[] = ['scripts'];
  for (const parent of ['packages', 'apps', 'examples']) {
    for (const d of readdirSync(path.join(repo, parent))) if (statSync(path.join(repo, parent, d, 'package.json'), { throwIfNoEntry: false })) out.push(`${parent}/${d}`);
  }
  return out;
}

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    if (f === 'node_modules' || f === 'dist' || f.startsWith('.')) continue;
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(f)) out.push(p);
  }
  return out;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\(\s*)['"]([^'"]+)['"]/g;

/** Violations in one file's text; `file` and `pkg` are repo-relative. */
export function violationsIn(file: string, pkg: string, text: string, pkgs: readonly string[]): string[] {
  const out: string[] = [];
  for (let m = IMPORT.exec(text); m; m = IMPORT.exec(text)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const owner = pkgs.find((p) => target === p || target.startsWith(`${p}/`));
      if (owner && owner !== pkg) out.push(`${file}: imports ${spec} — a relative path into ${owner}; import the package by name`);
    } else if (/^@tdx-shbuf\/[^/]+\/(src|dist|test)(\/|$)/.test(spec)) {
      out.push(`${file}: imports ${spec} — a deep path; use the package's exported entry points`);
    } else if (spec === '@tdx-shbuf/core/internal' && pkg !== 'packages/core') {
      out.push(`${file}: imports @tdx-shbuf/core/internal — the machine's parts are core's own; use Machine's observation and fault API`);
    }
  }
  IMPORT.lastIndex = 0;
  return out;
}

function main(): void {
  const pkgs = packageDirs();
  const bad: string[] = [];
  let files = 0;
  for (const pkg of pkgs) {
    for (const abs of sources(path.join(repo, pkg))) {
      files++;
      const file = path.relative(repo, abs).split(path.sep).join('/');
      bad.push(...violationsIn(file, pkg, readFileSync(abs, 'utf8'), pkgs));
    }
  }
  // The check itself must see a violation when there is one.
  // (The planted imports are built with ${q} so this file's own text holds none.)
  const q = "'";
  const planted = [`import a from ${q}../packages/core/src/index.js${q};`, `import b from ${q}@tdx-shbuf/core/internal${q};`, `import c from ${q}@tdx-shbuf/conformance/src/rig.js${q};`];
  const probe = violationsIn('scripts/x.ts', 'scripts', planted.join('\n'), pkgs);
  if (probe.length !== 3) throw new Error(`check-boundaries: the self-check found ${probe.length} of 3 planted violations`);
  if (bad.length) {
    console.error(`${bad.length} package-boundary violation(s):\n${bad.join('\n')}`);
    process.exit(1);
  }
  console.log(`package boundaries hold: ${files} files in ${pkgs.length} packages import each other by name only`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
