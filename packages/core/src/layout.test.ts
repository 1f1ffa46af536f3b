import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout is the architecture (README "Architecture"): these tests read every
 * import of core's sources — value, type-only and dynamic — and fail on an
 * import that crosses a line the design forbids.
 */
const SRC = path.dirname(fileURLToPath(import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

type Read = (file: string) => string;
const readSource: Read = (file) => readFileSync(file, 'utf8');

/** Relative imports of a file, resolved to absolute .ts paths. */
function importsOf(file: string, read: Read = readSource): string[] {
  const text = read(file);
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  return out;
}

const rel = (p: string) => path.relative(SRC, p).split(path.sep).join('/');
const under = (p: string, dir: string) => rel(p).startsWith(`${dir}/`);

/** Imports from files under `from` into files under any of `into`, as "a → b" lines. */
function crossings(files: string[], from: string, into: readonly string[], read: Read = readSource): string[] {
  const bad: string[] = [];
  for (const f of files.filter((f) => under(f, from))) {
    for (const t of importsOf(f, read)) if (into.some((d) => under(t, d))) bad.push(`${rel(f)} → ${rel(t)}`);
  }
  return bad;
}

/** Every import cycle, as the list of files around it (each reported once). */
function cycles(files: string[], read: Read = readSource): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f, read).filter((t) => files.includes(t))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f)!) {
      if (state.get(t) === 'open') found.push(stack.slice(stack.indexOf(t)).map(rel));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('core layout', () => {
  const files = sources(SRC);

  it('finds the sources it checks', () => {
    expect(files.filter((f) => under(f, 'contract')).length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => under(f, 'model/guest')).length).toBeGreaterThanOrEqual(10);
  });

  it('contract/ imports nothing from model/ (the contract does not depend on the model)', () => {
    expect(crossings(files, 'contract', ['model'])).toEqual([]);
  });

  it('abi/ and platform/ import nothing from model/ or contract/', () => {
    expect([...crossings(files, 'abi', ['model', 'contract']), ...crossings(files, 'platform', ['model', 'contract'])]).toEqual([]);
  });

  it('guest, TDX module and host reach each other only through abi/ (TDCALL, TDVMCALL, Sept, interrupts)', () => {
    expect([
      ...crossings(files, 'model/guest', ['model/tdx-module', 'model/host']),
      ...crossings(files, 'model/tdx-module', ['model/guest', 'model/host']),
      ...crossings(files, 'model/host', ['model/guest', 'model/tdx-module']),
      ...crossings(files, 'model/sim', ['model/guest', 'model/tdx-module', 'model/host']),
      ...crossings(files, 'model/memory', ['model/guest', 'model/tdx-module', 'model/host']),
    ]).toEqual([]);
  });

  it('has no import cycle (type-only imports included)', () => {
    expect(cycles(files)).toEqual([]);
  });

  it('the checks see a violation when there is one', () => {
    const at = (p: string) => path.join(SRC, p);
    const fake: Record<string, string> = {
      [at('contract/x.ts')]: `import type { Machine } from '../model/machine.js';\nconst p = await import("../model/parts.js");`,
      [at('model/guest/g.ts')]: `import { Host } from '../host/host.js';`,
      [at('model/a.ts')]: `import { b } from './b.js';`,
      [at('model/b.ts')]: `import type { a } from './a.js';`,
    };
    const read: Read = (f) => fake[f]!;
    const files = Object.keys(fake);
    expect(crossings(files, 'contract', ['model'], read)).toEqual(['contract/x.ts → model/machine.ts', 'contract/x.ts → model/parts.ts']);
    expect(crossings(files, 'model/guest', ['model/host'], read)).toEqual(['model/guest/g.ts → model/host/host.ts']);
    expect(cycles(files, read)).toEqual([['model/a.ts', 'model/b.ts']]);
  });
});
