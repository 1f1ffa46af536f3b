import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@tdx-shbuf/core';
import { readDataFile } from '../data-file.js';
import { ConfigValidationError, parseConfig, type Config } from './config-schema.js';

/** File names looked for, in this order, in each folder from the working folder up. */
export const CONFIG_FILES = ['tdx-shbuf.config.ts', 'tdx-shbuf.config.mts', 'tdx-shbuf.config.js', 'tdx-shbuf.config.mjs', 'tdx-shbuf.config.json', 'tdx-shbuf.config.yaml', 'tdx-shbuf.config.yml'];

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  config: Config;
  /** The file, or undefined when none was found (all defaults). */
  file: string | undefined;
  /** Folder strategy names resolve from: the file's, else the working folder. */
  dir: string;
}

/** The nearest config file from `cwd` upwards. */
export function findConfigFile(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const f = path.join(dir, name);
      if (existsSync(f)) return f;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Read and validate a config (`explicit` from --config, else found from `cwd` up). Throws ConfigError with one sentence. */
export async function loadConfig(opts: { cwd: string; explicit?: string | undefined }): Promise<LoadedConfig> {
  const file = opts.explicit !== undefined ? path.resolve(opts.cwd, opts.explicit) : findConfigFile(opts.cwd);
  if (file === undefined) return { config: parseConfig({}), file: undefined, dir: path.resolve(opts.cwd) };
  const raw = await readDataFile(file, `Could not read config ${file}`);
  try {
    return { config: parseConfig(raw), file, dir: path.dirname(file) };
  } catch (e) {
    if (e instanceof ConfigValidationError) throw new ConfigError(`${path.basename(file)}: ${e.message}`, { cause: e });
    throw e;
  }
}
