import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseExperiment, type Experiment } from './schema.js';

/** Read and validate an experiment file (.yaml/.yml, .json, or .ts/.mts/.js/.mjs default-exporting defineExperiment). */
export async function loadExperimentFile(file: string): Promise<Experiment> {
  const ext = path.extname(file).toLowerCase();
  let raw: unknown;
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      raw = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      throw new Error(`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
    }
  } else if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    try {
      const mod = ext.endsWith('ts')
        ? ((await (await import('tsx/esm/api')).tsImport(pathToFileURL(path.resolve(file)).href, import.meta.url)) as { default?: unknown })
        : ((await import(pathToFileURL(path.resolve(file)).href)) as { default?: unknown });
      raw = mod.default;
    } catch (e) {
      throw new Error(`${file}: cannot load: ${(e as Error).message.split('\n')[0]}`);
    }
  } else {
    throw new Error(`${file}: unknown experiment file type "${ext}" (use .yaml, .json or .ts)`);
  }
  return parseExperiment(raw, file);
}
