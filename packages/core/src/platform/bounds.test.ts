import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bootMachine } from '../boot.js';
import { ConfigError } from '../contract/errors.js';
import { platformSchema } from './config.js';
import { boundedNumber, pageBytes } from './bounds.js';

const MiB = 2 ** 20;
const small = { memoryBytes: 512 * MiB, vcpus: 2 };

/** Each numeric platform input out of its range: the one-line message bootMachine gives (code `platform`). */
const REFUSED: [string, Record<string, unknown>, string][] = [
  ['kernelImageBytes: fractional pages', { kernelImageBytes: 32 * MiB + 4097 }, 'platform.kernelImageBytes: must be a multiple of 4096 (got 33558529)'],
  ['kernelImageBytes: above 1 GiB', { kernelImageBytes: 2 ** 31 }, 'platform.kernelImageBytes: must be an integer in [4096, 1073741824] bytes (got 2147483648)'],
  ['memoryBytes: not whole pages', { memoryBytes: 2 ** 30 + 1 }, 'platform.memoryBytes: must be a multiple of 4096 (got 1073741825)'],
  ['memoryBytes: below 256 MiB', { memoryBytes: 128 * MiB }, 'platform.memoryBytes: must be an integer in [268435456, 70366596694016] bytes (got 134217728)'],
  ['memoryBytes: RAM ending above 2^46', { memoryBytes: 2 ** 46 }, 'platform.memoryBytes: must be an integer in [268435456, 70366596694016] bytes (got 70368744177664)'],
  ['swiotlbBytes: not whole pages', { swiotlbBytes: 64 * MiB + 1000 }, 'platform.swiotlbBytes: must be a multiple of 4096 (got 67109864)'],
  ['vcpus: 0', { vcpus: 0 }, 'platform.vcpus: must be an integer in [1, 1024] (got 0)'],
  ['vcpus: 1.5', { vcpus: 1.5 }, 'platform.vcpus: must be an integer in [1, 1024] (got 1.5)'],
  ['a rate above 1', { faults: { mapGpaFailRate: 1.5 } }, 'platform.faults.mapGpaFailRate: must be a number in [0, 1] (got 1.5)'],
  ['a negative rate', { faults: { enomemRate: -0.1 } }, 'platform.faults.enomemRate: must be a number in [0, 1] (got -0.1)'],
  ['fault seed beyond u32', { faults: { seed: 2 ** 32 } }, 'platform.faults.seed: must be an integer in [0, 4294967295] (got 4294967296)'],
  ['padQuoteTo past a 128 KiB buffer', { faults: { quoteService: { padQuoteTo: 131049 } } }, 'platform.faults.quoteService.padQuoteTo: must be an integer in [1, 131048] bytes (got 131049)'],
  ['lieOutLen beyond u32', { faults: { quoteService: { lieOutLen: 2 ** 32 } } }, 'platform.faults.quoteService.lieOutLen: must be an integer in [0, 4294967295] bytes (got 4294967296)'],
  [
    'extraLatencyNs above an hour',
    { faults: { quoteService: { extraLatencyNs: 3.7e12 } } },
    'platform.faults.quoteService.extraLatencyNs: must be a number in [0, 3600000000000] ns (got 3700000000000)',
  ],
  ['a cost above an hour', { cost: { tdvmcallRoundTripNs: 1e13 } }, 'platform.cost.tdvmcallRoundTripNs: must be a number in [0, 3600000000000] ns (got 10000000000000)'],
  ['MapGPA chunk not whole pages', { cost: { mapGpaChunkBytes: 6000 } }, 'platform.cost.mapGpaChunkBytes: must be a multiple of 4096 (got 6000)'],
  ['cache line not a power of two', { cost: { cacheLineBytes: 48 } }, 'platform.cost.cacheLineBytes: must be a power of two (got 48)'],
  ['clock of 0 GHz', { cost: { cpuGHz: 0 } }, 'platform.cost.cpuGHz: must be a number in (0, 10] GHz (got 0)'],
  ['lock factor above 1', { cost: { swiotlbSingleLockFactor: 1.2 } }, 'platform.cost.swiotlbSingleLockFactor: must be a number in (0, 1] (got 1.2)'],
  ['kernel text not whole pages', { kernelSections: { textBytes: 4097 } }, 'platform.kernelSections.textBytes: must be a multiple of 4096 (got 4097)'],
  ['a fragmentation horizon of 0 s', { fragmentation: { horizonS: 0 } }, 'platform.fragmentation.horizonS: must be a number in (0, 31536000] s (got 0)'],
  [
    'a virtio queue size not a power of two',
    { bootConverters: [{ name: 'virtio-net', queues: 2, queueSize: 300 }] },
    'platform.bootConverters.0.queueSize: must be a power of two (vring_alloc_queue_split) (got 300)',
  ],
];

describe('every number a platform takes is bounded: one line naming the key, the range and the value', () => {
  for (const [what, platform, message] of REFUSED) {
    it(what, () => {
      const e = (() => {
        try {
          bootMachine({ ...small, ...platform });
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe('platform');
      expect((e as ConfigError).message).toBe(message);
    });
  }

  it('the edges of each range are accepted', () => {
    const edges = [
      { kernelImageBytes: 32 * MiB + 4096 },
      { memoryBytes: 256 * MiB },
      { faults: { mapGpaFailRate: 1, seed: 2 ** 32 - 1, quoteService: { padQuoteTo: 131048, lieOutLen: 2 ** 32 - 1 } } },
      { cost: { cpuGHz: 10, mapGpaChunkBytes: 4096, cacheLineBytes: 128, swiotlbSingleLockFactor: 1 } },
    ];
    for (const e of edges) expect(platformSchema.safeParse({ ...small, ...e }).success).toBe(true);
  });

  it('regression: kernelImageBytes 32 MiB + 4097 used to boot with fractional pages and six invariant violations', () => {
    // The fix is the schema: nothing reaches mem.transfer() with a fraction of a page.
    expect(() => bootMachine({ ...small, kernelImageBytes: 32 * MiB + 4097 })).toThrow(ConfigError);
    expect(bootMachine({ ...small, kernelImageBytes: 32 * MiB + 4096 }).violations).toEqual([]);
  });

  it('the JSON Schema carries the bounds editors check; NaN and Infinity are refused with the same line', () => {
    expect(z.toJSONSchema(pageBytes(4096, 2 ** 30))).toMatchObject({ type: 'integer', minimum: 4096, maximum: 2 ** 30, multipleOf: 4096 });
    const vcpus = boundedNumber({ min: 1, max: 1024, int: true });
    expect(vcpus.safeParse(Number.POSITIVE_INFINITY).error?.issues[0]?.message).toBe('must be an integer in [1, 1024] (got Infinity)');
    expect(vcpus.safeParse(Number.NaN).error?.issues[0]?.message).toBe('must be an integer in [1, 1024] (got NaN)');
    expect(vcpus.safeParse('8').error?.issues[0]?.message).toBe('must be an integer in [1, 1024] (got "8")');
  });
});
