import { describe, expect, it } from 'vitest';
import { testMachine } from '../../test-machine.js';
import { kernelLayout } from './kernel-image.js';
import { vringSize } from '../dma/virtio-ring.js';
import { GiB, MiB, PAGE_SIZE } from '../../../abi/units.js';
import { Owner } from '../../memory/phys-mem.js';
import { ConfigError } from '../../../contract/errors.js';

const M = MiB / PAGE_SIZE;

describe('boot state before any driver loads (docs/model.md §3 "Boot state")', () => {
  it('mark_rodata_ro(): the freed text/rodata and rodata/data gaps split the 2M direct-map pages holding them', () => {
    const m = testMachine({ memoryBytes: 16 * GiB });
    // _text at 16 MiB; _etext = 34.5 MiB; __start_rodata = 36 MiB; __end_rodata = 43.25 MiB; _sdata = 44 MiB
    const l = kernelLayout(16 * M, m.config.kernelSections);
    expect([l.etext, l.startRodata, l.endRodata, l.endRodataHpageAlign].map((p) => (p * PAGE_SIZE) / MiB)).toEqual([34.5, 36, 43.25, 44]);
    expect(m.directMap.level(l.etext)).toBe(0);
    expect(m.directMap.level(l.endRodata)).toBe(0);
    expect(m.directMap.level(l.startRodata)).toBe(1); // 2M-aligned set_memory_ro(): no split
    expect(m.mem.owner(l.etext)).toBe(Owner.Free); // free_reserved_area()
    expect(m.mem.owner(l.etext - 1)).toBe(Owner.Reserved);
    // [0, 2 MiB) at 4K plus the two split 2M pages
    expect(m.machine.meminfo().DirectMap4k).toBe(2048 + 2 * 2048);
    expect(m.bootCounters.directMapLevel2Splits).toBe(2);
  });

  it('kernel sections that do not fit in the image are refused with the key named', () => {
    expect(() => testMachine({ memoryBytes: 4 * GiB, kernelSections: { textBytes: 30 * MiB } })).toThrow(ConfigError);
    expect(() => testMachine({ memoryBytes: 4 * GiB, kernelSections: { textBytes: 30 * MiB } })).toThrow(/^platform\.kernelSections: /);
  });

  it('vring_size(): 256 descriptors at SMP_CACHE_BYTES alignment is 6726 bytes (order 1, 2 pages decrypted)', () => {
    // desc 16 × 256 + avail 2 × 259 = 4614 → 4672 aligned; used 6 + 8 × 256 = 2054
    expect(vringSize(256)).toBe(6726);
    expect(vringSize(1024)).toBe(26694);
  });

  it('virtio devices probed at boot convert their rings in the direct map (blocking dma_alloc_coherent)', () => {
    const plain = testMachine({ memoryBytes: 16 * GiB });
    const m = testMachine({
      memoryBytes: 16 * GiB,
      bootConverters: [
        { name: 'virtio-net', queues: 3 },
        { name: 'virtio-blk', queues: 8, queueSize: 1024 },
      ],
    });
    // 3 rings of 2 pages, 8 rings of PFN_UP(26694) = 7 pages
    expect(m.bootCounters.sharedPages - plain.bootCounters.sharedPages).toBe(3 * 2 + 8 * 7);
    expect(m.bootCounters.tdxNrShared - plain.bootCounters.tdxNrShared).toBe(3 * 2 + 8 * 7);
    expect(m.bootCounters.directMapLevel2Splits).toBeGreaterThan(plain.bootCounters.directMapLevel2Splits);
    expect(m.inv.violations).toEqual([]);
    // Runs count from the end of boot: the rings are part of the start state, not of a strategy's cost.
    expect(m.sinceBoot().pagesConvertedToShared).toBe(0);
  });

  it('a device that cannot get its rings is refused at boot with the device named', () => {
    // 256 MiB of RAM: about 140 MiB free below 4 GiB, and 1024 rings of ~800 KiB (order 8) wanted
    expect(() => testMachine({ memoryBytes: 256 * MiB, bootConverters: [{ name: 'virtio-scsi', queues: 1024, queueSize: 32768 }] })).toThrow(
      /^platform\.bootConverters\[0\]: virtio-scsi: queue \d+: no memory for its ring$/,
    );
  });
});
