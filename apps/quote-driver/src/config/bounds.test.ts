import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli.js';
import { parseConfig } from './config-schema.js';

const HEX = 'ab'.repeat(64);
const PLATFORM = { memoryBytes: 2 ** 30, vcpus: 2 };

/**
 * Every number a configuration takes, out of its range: the line `tdx-shbuf
 * quote --config` prints (after `tdx-shbuf quote: <file>: `), naming the key,
 * the allowed range and the value. Strategy options come through the loader.
 */
const REFUSED: [string, Record<string, unknown>, string][] = [
  ['platform.kernelImageBytes', { platform: { kernelImageBytes: 4097 } }, 'platform.kernelImageBytes: must be a multiple of 4096 (got 4097)'],
  ['platform.memoryBytes', { platform: { memoryBytes: 2 ** 30 + 512 } }, 'platform.memoryBytes: must be a multiple of 4096 (got 1073742336)'],
  ['platform.swiotlbBytes', { platform: { swiotlbBytes: 100 } }, 'platform.swiotlbBytes: must be an integer in [262144, 2147483648] bytes (got 100)'],
  ['platform.vcpus', { platform: { vcpus: 2048 } }, 'platform.vcpus: must be an integer in [1, 1024] (got 2048)'],
  ['platform.faults.acceptFailRate', { platform: { faults: { acceptFailRate: 2 } } }, 'platform.faults.acceptFailRate: must be a number in [0, 1] (got 2)'],
  [
    'platform.faults.quoteService.padQuoteTo',
    { platform: { faults: { quoteService: { padQuoteTo: 200000 } } } },
    'platform.faults.quoteService.padQuoteTo: must be an integer in [1, 131048] bytes (got 200000)',
  ],
  ['platform.cost.mapGpaChunkBytes', { platform: { cost: { mapGpaChunkBytes: 2 ** 21 + 1 } } }, 'platform.cost.mapGpaChunkBytes: must be a multiple of 4096 (got 2097153)'],
  ['platform.cost.bounceBytesPerNs', { platform: { cost: { bounceBytesPerNs: 0 } } }, 'platform.cost.bounceBytesPerNs: must be a number in (0, 1000] bytes/ns (got 0)'],
  ['driver.bufferBytes (not whole pages)', { driver: { bufferBytes: 8193 } }, 'driver.bufferBytes: must be a multiple of 4096 (got 8193)'],
  ['driver.bufferBytes (above 4 MiB)', { driver: { bufferBytes: 8 * 2 ** 20 } }, 'driver.bufferBytes: must be an integer in [4096, 4194304] bytes (got 8388608)'],
  ['driver.pollIntervalMs (0)', { driver: { pollIntervalMs: 0 } }, 'driver.pollIntervalMs: must be a number in [0.001, 3600000] ms (got 0)'],
  ['driver.pollIntervalMs (too many polls)', { driver: { pollIntervalMs: 0.001 } }, 'driver.pollIntervalMs: 0.001 ms polls 30000000 times in the 30000 ms timeout; at most 1000000 polls per request'],
  ['driver.timeoutMs (negative)', { driver: { timeoutMs: -5 } }, 'driver.timeoutMs: must be a number in (0, 3600000] ms (got -5)'],
  ['driver.timeoutMs (above an hour)', { driver: { timeoutMs: 7_200_000 } }, 'driver.timeoutMs: must be a number in (0, 3600000] ms (got 7200000)'],
  ['driver.notifyVector', { driver: { notifyVector: 16 } }, 'driver.notifyVector: must be an integer in [32, 255] (got 16)'],
  [
    'open-coded preallocateBytes',
    { strategy: ['open-coded', { preallocateBytes: 5000 }] },
    'strategy: Could not load strategy "open-coded": options.preallocateBytes: must be a multiple of 4096 (got 5000)',
  ],
  [
    'shared-pool maxPoolBytes',
    { strategy: ['shared-pool', { maxPoolBytes: 2 ** 40 }] },
    'strategy: Could not load strategy "shared-pool": options.maxPoolBytes: must be an integer in [2097152, 8589934592] bytes (got 1099511627776)',
  ],
  [
    'shared-pool shrinkIdleMs',
    { strategy: ['shared-pool', { shrinkIdleMs: -1 }] },
    'strategy: Could not load strategy "shared-pool": options.shrinkIdleMs: must be a number in [0, 86400000] ms or null (got -1)',
  ],
];

describe('tdx-shbuf quote --config: a number out of range exits 2 with one line naming the key and the range, and writes nothing', () => {
  for (const [key, config, message] of REFUSED) {
    it(key, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'tdx-shbuf-bounds-'));
      const c = config as { platform?: object; driver?: object; strategy?: unknown };
      writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...c, platform: { ...PLATFORM, ...c.platform } }));
      const r = await runCli(['quote', '--config', 'bad.json', '--report-data', HEX, '-o', 'q.bin', '--root-out', 'root.pem'], dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      // the config file is named for schema errors; a strategy option is named by the loader
      expect(lines[0]).toMatch(/^tdx-shbuf quote: /);
      expect(lines[0]!.endsWith(message)).toBe(true);
      expect(readdirSync(dir)).toEqual(['bad.json']);
    });
  }

  it('the same bounds through the schema alone (parseConfig)', () => {
    for (const [, config, message] of REFUSED.filter(([, c]) => !('strategy' in c))) expect(() => parseConfig(config)).toThrow(message);
  });

  it('the edges are accepted: 4 MiB buffers, 1 ms polls over a 1000 s timeout, an hour', () => {
    expect(() => parseConfig({ driver: { bufferBytes: 4 * 2 ** 20, pollIntervalMs: 1, timeoutMs: 1_000_000 } })).not.toThrow();
    expect(() => parseConfig({ driver: { pollIntervalMs: 3_600_000, timeoutMs: 3_600_000 } })).not.toThrow();
    // interrupt completion does not poll: any interval goes
    expect(() => parseConfig({ driver: { completion: 'interrupt', pollIntervalMs: 0.001 } })).not.toThrow();
  });
});
