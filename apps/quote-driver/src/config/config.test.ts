import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configKeys, renderConfigMarkdown } from './docs.js';
import { findConfigFile, loadConfig } from './load-config.js';
import { parseConfig } from './config-schema.js';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('config schema', () => {
  it('has a description on every key and a default on every key but the computed SWIOTLB size and areas', () => {
    const keys = configKeys();
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((k) => !k.description).map((k) => k.path)).toEqual([]);
    expect(keys.filter((k) => !k.hasDefault).map((k) => k.path)).toEqual(['platform.swiotlbBytes', 'platform.swiotlbAreas']);
  });

  it('the shipped JSON Schema equals a fresh generation (run `pnpm gen:schemas` after changing the schema)', () => {
    const committed = JSON.parse(readFileSync(path.join(APP, 'schema/tdx-shbuf.config.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('CONFIG.md equals a fresh generation', () => {
    expect(readFileSync(path.join(APP, 'CONFIG.md'), 'utf8')).toBe(renderConfigMarkdown());
  });

  it('defaults: direct-map, 8 KiB, poll every 1000 ms for 30000 ms, serialized, v7.0 checks', () => {
    expect(parseConfig({})).toMatchObject({
      strategy: 'direct-map',
      driver: { bufferBytes: 8192, completion: 'poll', pollIntervalMs: 1000, timeoutMs: 30000, requests: 'serialized', checks: 'v7.0', notifyVector: 0xf3 },
      platform: { vcpus: 8, gpaw: 52, gbPages: true, seed: 'tdx-shbuf' },
    });
  });

  it('errors read path.to.key: message', () => {
    expect(() => parseConfig({ driver: { completion: 'sometimes' } })).toThrow(/^driver\.completion: /);
    expect(() => parseConfig({ driver: { bufferBytes: 5000 } })).toThrow(/^driver\.bufferBytes: must be a multiple of 4096/);
    expect(() => parseConfig({ platform: { measurements: { mrTd: 'abc' } } })).toThrow(/^platform\.measurements\.mrTd: must be 96 hex digits/);
    expect(() => parseConfig({ platform: { cost: { tdcallNs: -1 } } })).toThrow(/^platform\.cost\.tdcallNs: /);
    expect(() => parseConfig({ drvier: {} })).toThrow(/^\(top level\): /);
    expect(() => parseConfig({ strategy: ['direct-map', 'x'] })).toThrow(/^strategy/);
  });
});

describe('config discovery and formats', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-config-'));

  it("finds tdx-shbuf.config.yaml from a nested working folder, resolving from the file's folder", async () => {
    const dir = path.join(root, 'yaml');
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(dir, 'tdx-shbuf.config.yaml'), 'strategy: [dma-swiotlb, { mode: coherent }]\ndriver:\n  completion: interrupt\n');
    expect(findConfigFile(path.join(dir, 'a', 'b'))).toBe(path.join(dir, 'tdx-shbuf.config.yaml'));
    const c = await loadConfig({ cwd: path.join(dir, 'a', 'b') });
    expect(c.dir).toBe(dir);
    expect(c.config.strategy).toEqual(['dma-swiotlb', { mode: 'coherent' }]);
    expect(c.config.driver.completion).toBe('interrupt');
  });

  it('reads JSON and TypeScript (defineConfig) configs', async () => {
    const dir = path.join(root, 'json');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'tdx-shbuf.config.json'), JSON.stringify({ strategy: 'open-coded', platform: { vcpus: 2 } }));
    expect((await loadConfig({ cwd: dir })).config).toMatchObject({ strategy: 'open-coded', platform: { vcpus: 2 } });
    const ts = path.join(root, 'ts');
    mkdirSync(ts);
    const schemaUrl = path.join(APP, 'src/config/config-schema.ts');
    writeFileSync(
      path.join(ts, 'tdx-shbuf.config.ts'),
      `import { defineConfig } from ${JSON.stringify(schemaUrl)};\nconst n: number = 4;\nexport default defineConfig({ strategy: 'vmap-noalias', platform: { vcpus: n } });\n`,
    );
    expect((await loadConfig({ cwd: ts })).config).toMatchObject({ strategy: 'vmap-noalias', platform: { vcpus: 4 } });
  }, 60_000); // tsx transpiles the config's import graph (the schema and core sources): seconds on a loaded 2-core machine

  it('without a file: all defaults, resolved from the working folder', async () => {
    const c = await loadConfig({ cwd: '/' });
    expect(c.file).toBeUndefined();
    expect(c.config.strategy).toBe('direct-map');
  });

  it('unreadable or invalid files: one sentence naming the file (and the key)', async () => {
    await expect(loadConfig({ cwd: root, explicit: 'missing.yaml' })).rejects.toThrow(/^Could not read config .*missing\.yaml: ENOENT$/);
    writeFileSync(path.join(root, 'bad.json'), '{ nope');
    await expect(loadConfig({ cwd: root, explicit: 'bad.json' })).rejects.toThrow(/^Could not read config .*bad\.json: /);
    writeFileSync(path.join(root, 'wrong.yaml'), 'driver:\n  requests: many\n');
    await expect(loadConfig({ cwd: root, explicit: 'wrong.yaml' })).rejects.toThrow(/^wrong\.yaml: driver\.requests: /);
  });
});
