import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as api from '../index.js';
import { experimentJsonSchema } from './docs.js';
import { parseExperiment } from './experiment-schema.js';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EXPERIMENTS = path.resolve(APP, '../../experiments');
const pkg = JSON.parse(readFileSync(path.join(APP, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

type Node = { properties?: Record<string, Node>; description?: string; anyOf?: unknown[]; additionalProperties?: unknown };

describe('experiment JSON Schema', () => {
  const schema = experimentJsonSchema() as Node;

  it('the shipped schema equals a fresh generation (run `pnpm --filter tdx-shbuf gen:schemas` after changing a schema)', () => {
    const committed = JSON.parse(readFileSync(path.join(APP, 'schema/tdx-shbuf.experiment.schema.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(schema)));
  });

  it("offers core's platform keys with their descriptions, sizes also as strings, and nothing else", () => {
    const platform = schema.properties!.platform!;
    expect(Object.keys(platform.properties!)).toEqual(expect.arrayContaining(['vcpus', 'memoryBytes', 'gpaw', 'gbPages', 'swiotlbBytes', 'cost', 'faults', 'seed']));
    expect(platform.additionalProperties).toBe(false);
    for (const key of ['memoryBytes', 'swiotlbBytes', 'kernelImageBytes']) {
      expect(platform.properties![key]!.description, key).toMatch(/\w/);
      expect(platform.properties![key]!.anyOf, key).toHaveLength(2);
    }
    // the generated schema and the zod schema agree on a size string and an unknown key
    expect(parseExperiment({ name: 'x', strategies: ['direct-map'], platform: { memoryBytes: '2GiB' } }, 'x.yaml').platform.memoryBytes).toBe(2 * 2 ** 30);
    expect(() => parseExperiment({ name: 'x', strategies: ['direct-map'], platform: { memoryByte: 1 } }, 'x.yaml')).toThrow(/x\.yaml: platform/);
  });

  it('describes every top-level and workload key', () => {
    for (const [key, node] of Object.entries({ ...schema.properties, ...schema.properties!.workload!.properties })) expect(node.description, key).toMatch(/\w/);
  });

  it('every shipped experiment validates, and may name the schema with $schema', () => {
    const files = readdirSync(EXPERIMENTS).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(() => parseExperiment(parseYaml(readFileSync(path.join(EXPERIMENTS, f), 'utf8')), f), f).not.toThrow();
    expect(parseExperiment({ $schema: './node_modules/tdx-shbuf/schema/tdx-shbuf.experiment.schema.json', name: 's', strategies: ['open-coded'] }, 's.yaml').name).toBe('s');
  });
});

describe('the tdx-shbuf package API', () => {
  it('exports defineConfig, defineExperiment, the schemas and the CLI entry', () => {
    expect(api.defineConfig({ strategy: 'open-coded' })).toEqual({ strategy: 'open-coded' });
    expect(api.defineExperiment({ name: 'e', strategies: ['direct-map'] })).toEqual({ name: 'e', strategies: ['direct-map'] });
    expect(typeof api.configJsonSchema).toBe('function');
    expect(typeof api.experimentJsonSchema).toBe('function');
    expect(typeof api.main).toBe('function');
  });

  it('package exports name both JSON Schemas, and the files exist', () => {
    expect(pkg.exports['./schema/config.json']).toBe('./schema/tdx-shbuf.config.schema.json');
    expect(pkg.exports['./schema/experiment.json']).toBe('./schema/tdx-shbuf.experiment.schema.json');
    for (const f of ['./schema/tdx-shbuf.config.schema.json', './schema/tdx-shbuf.experiment.schema.json']) expect(JSON.parse(readFileSync(path.join(APP, f), 'utf8')).title).toMatch(/^tdx-shbuf /);
  });
});
