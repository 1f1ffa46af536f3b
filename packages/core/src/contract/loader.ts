import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { capabilitiesOf, type StrategyCapabilities, type StrategyDefinition } from './strategy.js';

/** Short names of the first-party strategies (as vitest's `coverage.provider: "v8"`). */
export const FIRST_PARTY_STRATEGIES: Readonly<Record<string, string>> = {
  'direct-map': '@tdx-shbuf/strategy-direct-map',
  'vmap-noalias': '@tdx-shbuf/strategy-vmap-noalias',
  'open-coded': '@tdx-shbuf/strategy-open-coded',
  'dma-swiotlb': '@tdx-shbuf/strategy-dma-swiotlb',
  'shared-pool': '@tdx-shbuf/strategy-shared-pool',
};

/** A strategy named in configuration: `"name"` or `["name", { options }]` (as changesets names plugins). */
export type StrategySpec = string | readonly [string, Record<string, unknown>?];

/** What the consumer will ask of the strategy, checked against its declared capabilities. */
export interface StrategyRequirements {
  /** Several buffers live at once (parallel requests). */
  concurrent?: boolean;
  /** Bytes one buffer must hold. */
  bytes?: number;
  /** Whether the platform offers a DMA device. */
  deviceAvailable?: boolean;
}

export interface LoadStrategyOptions {
  /** Folder names are resolved from: the config file's folder. */
  fromDir: string;
  /** Further folders to resolve from when `fromDir` does not have the package (e.g. the driver's own). */
  fallbackDirs?: readonly string[];
  /**
   * package.json export conditions, in order (default: import, default; or the
   * comma-separated TDX_SHBUF_CONDITIONS, which the repository's own tests set
   * to "source,import,default" so they load TypeScript sources, not dist).
   */
  conditions?: readonly string[];
  requirements?: StrategyRequirements;
}

export interface LoadedStrategy {
  /** The name as configured. */
  readonly name: string;
  /** Resolved entry file. */
  readonly entry: string;
  readonly definition: StrategyDefinition;
  /** Options after validation and defaults. */
  readonly options: unknown;
  readonly capabilities: StrategyCapabilities;
}

/** Resolve, import, validate and capability-check a strategy; throws ConfigError with one sentence and a cause. */
export async function loadStrategy(spec: StrategySpec, opts: LoadStrategyOptions): Promise<LoadedStrategy> {
  const [name, rawOptions] = typeof spec === 'string' ? [spec, undefined] : [spec[0], spec[1]];
  const what = `Could not load strategy "${name}"`;
  const pkg = FIRST_PARTY_STRATEGIES[name] ?? name;
  const entry = resolveEntry(pkg, opts);
  if (!entry) throw new ConfigError(`${what}: no package "${pkg}" is installed where ${opts.fromDir} can see it (try \`pnpm add ${pkg}\`)`, { code: 'strategy-not-found' });
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (e) {
    throw new ConfigError(`${what}: importing ${entry} failed: ${(e as Error).message.split('\n')[0]}`, { cause: e, code: 'strategy-import' });
  }
  const def = mod.default as StrategyDefinition | undefined;
  if (!def || typeof def !== 'object' || def.kind !== 'tdx-shbuf-strategy') {
    throw new ConfigError(`${what}: ${entry} does not default-export defineStrategy({ meta, capabilities, options, create })`, { code: 'not-a-strategy' });
  }
  return { entry, ...instantiate(name, def, rawOptions, opts.requirements ?? {}) };
}

/** Validate `rawOptions` against the strategy's schema (defaults applied) and check its capabilities against `requirements`. */
export function instantiate(name: string, def: StrategyDefinition, rawOptions: unknown, requirements: StrategyRequirements): Omit<LoadedStrategy, 'entry'> {
  const parsed = (def.options as z.ZodType).safeParse(rawOptions ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.length ? `options.${issue.path.join('.')}` : 'options';
    throw new ConfigError(`Could not load strategy "${name}": ${key}: ${issue.message.split('\n')[0]}`, { cause: parsed.error, code: 'bad-options' });
  }
  const capabilities = capabilitiesOf(def, parsed.data);
  checkCapabilities(name, capabilities, requirements);
  return { name, definition: def, options: parsed.data, capabilities };
}

/** Refuse a strategy whose declared capabilities cannot serve what is asked. */
export function checkCapabilities(name: string, caps: StrategyCapabilities, req: StrategyRequirements): void {
  if (req.concurrent && !caps.concurrent) {
    throw new ConfigError(`Strategy "${name}" cannot serve parallel requests: it declares concurrent: false (one live buffer at a time)`, { code: 'capability' });
  }
  if (req.bytes !== undefined && req.bytes > caps.maxBytes) {
    throw new ConfigError(`Strategy "${name}" cannot serve ${req.bytes}-byte buffers: it declares maxBytes ${caps.maxBytes}`, { code: 'capability' });
  }
  if (caps.needsDevice && req.deviceAvailable === false) {
    throw new ConfigError(`Strategy "${name}" needs a DMA device and the platform has none`, { code: 'capability' });
  }
}

/** Node-style package resolution from `dir` upwards, honouring `exports` conditions; a path is taken relative to `fromDir`. */
function resolveEntry(pkg: string, opts: LoadStrategyOptions): string | undefined {
  if (pkg.startsWith('.') || path.isAbsolute(pkg)) {
    const p = path.resolve(opts.fromDir, pkg);
    return existsSync(p) ? p : undefined;
  }
  const conditions = opts.conditions ??
    process.env.TDX_SHBUF_CONDITIONS?.split(',')
      .map((c) => c.trim())
      .filter(Boolean) ?? ['import', 'default'];
  for (const start of [opts.fromDir, ...(opts.fallbackDirs ?? [])]) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const pj = path.join(dir, 'node_modules', pkg, 'package.json');
      if (existsSync(pj)) {
        const entry = entryOf(path.dirname(pj), JSON.parse(readFileSync(pj, 'utf8')) as PackageJson, conditions);
        if (entry && existsSync(entry)) return entry;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

interface PackageJson {
  main?: string;
  exports?: unknown;
}

function entryOf(root: string, pj: PackageJson, conditions: readonly string[]): string | undefined {
  let target: unknown = pj.exports;
  if (target && typeof target === 'object' && !Array.isArray(target) && '.' in target) target = (target as Record<string, unknown>)['.'];
  for (let depth = 0; depth < 8 && target && typeof target === 'object'; depth++) {
    const t = target as Record<string, unknown>;
    // Node's rule: the first key, in the object's own order, that is an active condition.
    const key = Object.keys(t).find((k) => conditions.includes(k));
    if (!key) return undefined;
    target = t[key];
  }
  if (typeof target === 'string') return path.join(root, target);
  return pj.main ? path.join(root, pj.main) : path.join(root, 'index.js');
}
