/**
 * Checks one packed tarball as npm would publish it: a README with an install
 * line and an example, repository (with directory) / homepage / bugs, no
 * `workspace:` range and no `source` export condition left, every file the
 * exports and bin name is present, and every source map's sources are shipped.
 *
 *   node scripts/packed/check-tarball.mjs <package.tgz>
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const tgz = process.argv[2];
if (!tgz) throw new Error('usage: check-tarball.mjs <package.tgz>');
const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-check-'));
execFileSync('tar', ['xzf', tgz, '-C', dir]);
const pkgDir = path.join(dir, 'package');
const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const problems = [];
const need = (ok, what) => ok || problems.push(what);

const readme = existsSync(path.join(pkgDir, 'README.md')) ? readFileSync(path.join(pkgDir, 'README.md'), 'utf8') : '';
need(readme.length > 0, 'README.md is missing');
need(/^## Install/m.test(readme) && new RegExp(`npm i (-D )?${pkg.name.replace('/', '\\/')}`).test(readme), `README.md has no "## Install" section with \`npm i ${pkg.name}\``);
need(/^## Example/m.test(readme) && /```(ts|sh|yaml)\n/.test(readme), 'README.md has no "## Example" with a code block');
need(!/\]\((\.\.\/|\.\/)?(docs|packages|apps)\//.test(readme), 'README.md links to repository paths that do not exist on npm (use absolute URLs)');
need(pkg.repository?.url?.includes('github.com/tdx-shbuf/tdx-shbuf') && pkg.repository?.directory, 'repository with url and directory');
need(typeof pkg.homepage === 'string' && pkg.homepage.startsWith('https://'), 'homepage');
need(typeof pkg.bugs?.url === 'string', 'bugs.url');
need(pkg.license === 'Apache-2.0', 'license Apache-2.0');

const text = JSON.stringify(pkg);
need(!text.includes('workspace:'), 'a workspace: range is left in package.json');
need(!text.includes('"source"'), 'the "source" export condition is left in package.json');

const targets = [];
const walk = (v) => (typeof v === 'string' ? targets.push(v) : v && typeof v === 'object' && Object.values(v).forEach(walk));
walk(pkg.exports);
walk(pkg.bin);
for (const t of targets) need(existsSync(path.join(pkgDir, t)), `exports/bin target ${t} is not in the tarball`);

const files = (d) => readdirSync(d).flatMap((f) => (statSync(path.join(d, f)).isDirectory() ? files(path.join(d, f)) : [path.join(d, f)]));
const all = files(pkgDir);
need(!all.some((f) => f.endsWith('.test.ts') || f.endsWith('.test.js')), 'test files are shipped');
for (const map of all.filter((f) => f.endsWith('.map'))) {
  const { sources = [] } = JSON.parse(readFileSync(map, 'utf8'));
  for (const s of sources) need(existsSync(path.resolve(path.dirname(map), s)), `${path.relative(pkgDir, map)} points to ${s}, which is not shipped`);
}

if (problems.length) {
  console.error(`check-tarball: ${path.basename(tgz)}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-tarball: ${pkg.name}@${pkg.version} ok (${all.length} files)`);
