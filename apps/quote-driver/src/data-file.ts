import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@tdx-shbuf/core';

/** Extensions {@link readDataFile} understands. */
export const DATA_FILE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.json', '.yaml', '.yml'];

/**
 * The value a config or experiment file holds: the default export of a
 * .ts/.mts (through tsx: Node 20 cannot import TypeScript) or .js/.mjs
 * module, or the parsed .json/.yaml text. Throws ConfigError `${what}: reason`
 * in one line.
 */
export async function readDataFile(file: string, what: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    try {
      const url = pathToFileURL(path.resolve(file)).href;
      const mod = (ext === '.ts' || ext === '.mts' ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url) : await import(url)) as { default?: unknown };
      const def = mod.default;
      // tsx may hand back the CommonJS interop namespace { default: value }
      return def && typeof def === 'object' && 'default' in def && Object.keys(def).length === 1 ? (def as { default: unknown }).default : def;
    } catch (e) {
      throw new ConfigError(`${what}: ${oneLine(e)}`, { cause: e });
    }
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${what}: ${(e as NodeJS.ErrnoException).code ?? oneLine(e)}`, { cause: e });
  }
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`${what}: ${oneLine(e)}`, { cause: e });
  }
}

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
