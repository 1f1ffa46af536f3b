import { describe, expect, it } from 'vitest';
import { bootRig, directMapDecryptedPages, okOf, type Rig, type Subject } from '../rig.js';
import { guestFill } from '../buffer-views.js';

/** A probe's value after each step of a lifecycle: boot, init, alloc, write, free (twice), shutdown. */
async function probeLifecycle(s: Subject, probe: (rig: Rig) => number): Promise<{ step: string; value: number }[]> {
  const rig = await bootRig(s, { init: false });
  const out = [{ step: 'boot', value: probe(rig) }];
  const at = (step: string) => out.push({ step, value: probe(rig) });
  okOf(await rig.step('init', () => rig.alloc.init()), 'init');
  at('init');
  for (const bytes of [1, Math.min(3 * 4096 + 1, s.requirements.bytes)]) {
    const b = okOf(await rig.step(`alloc(${bytes})`, () => rig.alloc.alloc(bytes)), 'alloc');
    at(`alloc(${bytes})`);
    await rig.step('write', () => guestFill(b, bytes));
    at('write');
    okOf(await rig.step('free', () => rig.alloc.free(b)), 'free');
    at(`free(${bytes})`);
  }
  okOf(await rig.step('shutdown', () => rig.alloc.shutdown()), 'shutdown');
  at('shutdown');
  return out;
}

const splits = (rig: Rig) => rig.m.counters.directMapLevel2Splits + rig.m.counters.directMapLevel3Splits;

export function capabilityGroups(s: Subject): void {
  const c = s.caps;
  describe('declared capabilities hold', () => {
    it('capabilities, meta and option defaults are well formed', () => {
      expect(Number.isSafeInteger(c.maxBytes) && c.maxBytes > 0, `maxBytes ${c.maxBytes} is a positive integer`).toBe(true);
      expect(typeof c.concurrent, 'concurrent').toBe('boolean');
      expect(typeof c.needsDevice, 'needsDevice').toBe('boolean');
      expect(typeof c.privateAliasWhileShared, 'privateAliasWhileShared').toBe('boolean');
      expect(['never', 'init', 'per-alloc'], 'touchesDirectMap').toContain(c.touchesDirectMap);
      expect(s.strategy.kind, 'made with defineStrategy()').toBe('tdx-shbuf-strategy');
      expect(s.strategy.meta.name.length > 0 && s.strategy.meta.version.length > 0, 'meta.name and meta.version').toBe(true);
      // docs/contributing.md §5: every option key has a default, so no options at all is valid.
      expect(s.strategy.options.safeParse({}).success, 'options schema accepts {} (every key has a default)').toBe(true);
    });

    it.runIf(c.touchesDirectMap === 'never')('the direct map is never changed (declared touchesDirectMap: never)', async () => {
      // __set_memory_enc_pgtable with checkalias changes the direct-map PTEs; a "never" strategy must not reach it.
      const seen = await probeLifecycle(s, (rig) => directMapDecryptedPages(rig.m) * 1e6 + splits(rig));
      expect(seen.map((x) => `${x.step}: ${x.value}`)).toEqual(seen.map((x) => `${x.step}: ${seen[0]!.value}`));
    });

    it.runIf(c.touchesDirectMap === 'init')('alloc and free never change the direct map (declared touchesDirectMap: init)', async () => {
      const seen = await probeLifecycle(s, (rig) => directMapDecryptedPages(rig.m) * 1e6 + splits(rig));
      const afterInit = seen.slice(1, -1);
      expect(afterInit.map((x) => `${x.step}: ${x.value}`)).toEqual(afterInit.map((x) => `${x.step}: ${afterInit[0]!.value}`));
    });

    it.runIf(!c.privateAliasWhileShared)('no shared page keeps a private alias mapped (declared privateAliasWhileShared: false)', async () => {
      const seen = await probeLifecycle(s, (rig) => rig.m.counters.privateAliasedSharedPages);
      expect(seen.map((x) => `${x.step}: ${x.value}`)).toEqual(seen.map((x) => `${x.step}: ${seen[0]!.value}`));
    });

    it.runIf(!c.needsDevice)('the DMA API is never called (declared needsDevice: false)', async () => {
      let calls: string[] = [];
      await probeLifecycle(s, (rig) => {
        calls = rig.dmaCalls;
        return 0;
      });
      expect(calls, 'kernel.dma calls').toEqual([]);
    });
  });
}
