import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MiB, capabilitiesOf, loadStrategy } from '@tdx-shbuf/core';
import strategy, { SHARED_POOL_MAX_BYTES, blockOrderFor } from './index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const entry = new URL('./index.ts', import.meta.url).pathname;
const load = (options: Record<string, unknown>, bytes = 8192) => loadStrategy([entry, options], { fromDir: process.cwd(), requirements: { bytes, concurrent: true } });

describe('definition', () => {
  it('reads meta from package.json and defaults to one 2 MiB block at init, growing up to 64 MiB, never shrinking', () => {
    expect(strategy.kind).toBe('tdx-shbuf-strategy');
    expect(strategy.meta).toMatchObject({ name: pkg.name, version: pkg.version });
    expect(strategy.options.parse({})).toEqual({ initialBlocks: 1, grow: true, maxPoolBytes: 64 * MiB, shrinkIdleMs: null, align: 'page' });
  });

  it('declares a concurrent pool of buffers up to one MAX_PAGE_ORDER block, with no private alias and no device', () => {
    expect(SHARED_POOL_MAX_BYTES).toBe(4 * MiB);
    expect(capabilitiesOf(strategy, strategy.options.parse({}))).toEqual({ maxBytes: 4 * MiB, concurrent: true, needsDevice: false, touchesDirectMap: 'per-alloc', privateAliasWhileShared: false });
    expect(capabilitiesOf(strategy, strategy.options.parse({ grow: false }))).toMatchObject({ touchesDirectMap: 'init' });
    expect(capabilitiesOf(strategy, strategy.options.parse({ maxPoolBytes: 2 * MiB }))).toMatchObject({ maxBytes: 2 * MiB });
  });

  it('sizes blocks by order: 9 up to 2 MiB, 10 above', () => {
    expect([1, 2 * MiB, 2 * MiB + 1, 4 * MiB].map(blockOrderFor)).toEqual([9, 9, 10, 10]);
  });

  it('refuses bad options by key, in one sentence', async () => {
    await expect(load({ maxPoolBytes: 3 * MiB })).rejects.toThrow(/options\.maxPoolBytes: /);
    await expect(load({ initialBlocks: 40 })).rejects.toThrow(/options\.initialBlocks: 40 blocks of 2 MiB exceed maxPoolBytes/);
    await expect(load({ grow: false, initialBlocks: 0 })).rejects.toThrow(/options\.initialBlocks: a pool that cannot grow/);
    await expect(load({ grow: false, shrinkIdleMs: 5 })).rejects.toThrow(/options\.shrinkIdleMs: only blocks grown after init shrink/);
    await expect(load({ shrinkIdleMs: -1 })).rejects.toThrow(/options\.shrinkIdleMs: /);
    await expect(load({ align: 'huge' })).rejects.toThrow(/options\.align: /);
    await expect(load({ bufferBytes: 8192 })).rejects.toThrow(/options: .*bufferBytes/);
  });

  it('is refused for buffers larger than it declares', async () => {
    await expect(load({ maxPoolBytes: 2 * MiB }, 3 * MiB)).rejects.toThrow(/cannot serve 3145728-byte buffers: it declares maxBytes 2097152/);
    await expect(load({}, 4 * MiB)).resolves.toMatchObject({ capabilities: { maxBytes: 4 * MiB } });
  });
});
