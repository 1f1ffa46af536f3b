import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './errors.js';
import { loadStrategy } from './loader.js';

const zodEntry = pathToFileURL(createRequire(import.meta.url).resolve('zod')).href;

/** A project folder with a strategy package in node_modules (plain ESM, as a published strategy would be). */
function project(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'tdx-loader-'));
  const pkg = path.join(root, 'node_modules', '@acme', 'strategy-pool');
  mkdirSync(path.join(pkg, 'dist'), { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: '@acme/strategy-pool', version: '1.2.3', type: 'module', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } }),
  );
  writeFileSync(
    path.join(pkg, 'dist', 'index.js'),
    `import { z } from ${JSON.stringify(zodEntry)};
// what defineStrategy() returns (core is not importable from a temp folder without a build)
export default ({
  kind: 'tdx-shbuf-strategy',
  meta: { name: '@acme/strategy-pool', version: '1.2.3' },
  options: z.object({ poolBytes: z.number().int().positive().default(65536) }).strict(),
  capabilities: (o) => ({ maxBytes: o.poolBytes, concurrent: false, needsDevice: false, touchesDirectMap: 'init', privateAliasWhileShared: false }),
  create: () => { throw new Error('not used'); },
});\n`,
  );
  mkdirSync(path.join(root, 'node_modules', 'not-a-strategy'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules', 'not-a-strategy', 'package.json'), JSON.stringify({ name: 'not-a-strategy', type: 'module', main: 'index.js' }));
  writeFileSync(path.join(root, 'node_modules', 'not-a-strategy', 'index.js'), 'export default { hello: 1 };\n');
  writeFileSync(path.join(root, 'local.mjs'), `export { default } from '@acme/strategy-pool';\n`);
  return root;
}

describe('loadStrategy (resolved from the config file’s folder, as changesets resolves plugins)', () => {
  it('loads a third-party package by name from a nested config folder, validates options and applies defaults', async () => {
    const root = project();
    const nested = path.join(root, 'configs', 'deep');
    mkdirSync(nested, { recursive: true });
    const s = await loadStrategy('@acme/strategy-pool', { fromDir: nested });
    expect(s.definition.meta).toEqual({ name: '@acme/strategy-pool', version: '1.2.3' });
    expect(s.options).toEqual({ poolBytes: 65536 });
    expect(s.capabilities.maxBytes).toBe(65536);
    const t = await loadStrategy(['@acme/strategy-pool', { poolBytes: 8192 }], { fromDir: root });
    expect(t.capabilities.maxBytes).toBe(8192);
  });

  it('loads a path relative to the config folder', async () => {
    const root = project();
    expect((await loadStrategy('./local.mjs', { fromDir: root })).definition.meta.name).toBe('@acme/strategy-pool');
  });

  it('says in one sentence what is wrong: missing package, bad export, bad option, capability mismatch', async () => {
    const root = project();
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(await err(loadStrategy('@acme/missing', { fromDir: root }))).toMatch(/^Could not load strategy "@acme\/missing": no package "@acme\/missing" is installed where .* can see it/);
    expect(await err(loadStrategy('direct-map', { fromDir: root }))).toMatch(/^Could not load strategy "direct-map": no package "@tdx-shbuf\/strategy-direct-map"/);
    expect(await err(loadStrategy('not-a-strategy', { fromDir: root }))).toMatch(/does not default-export defineStrategy/);
    expect(await err(loadStrategy(['@acme/strategy-pool', { poolBytes: 'big' }], { fromDir: root }))).toMatch(/^Could not load strategy "@acme\/strategy-pool": options\.poolBytes: /);
    expect(await err(loadStrategy(['@acme/strategy-pool', { typo: 1 }], { fromDir: root }))).toMatch(/options: .*typo/);
    expect(await err(loadStrategy('@acme/strategy-pool', { fromDir: root, requirements: { concurrent: true } }))).toBe(
      'Strategy "@acme/strategy-pool" cannot serve parallel requests: it declares concurrent: false (one live buffer at a time)',
    );
    expect(await err(loadStrategy('@acme/strategy-pool', { fromDir: root, requirements: { bytes: 1 << 20 } }))).toMatch(/cannot serve 1048576-byte buffers: it declares maxBytes 65536/);
  });

  it('falls back to other folders (the driver’s own) for names the config folder cannot see', async () => {
    const root = project();
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'tdx-empty-'));
    const s = await loadStrategy('@acme/strategy-pool', { fromDir: elsewhere, fallbackDirs: [root] });
    expect(s.name).toBe('@acme/strategy-pool');
  });
});
