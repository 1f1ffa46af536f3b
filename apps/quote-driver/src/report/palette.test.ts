import { describe, expect, it } from 'vitest';
import { strategyLooks } from './palette.js';

describe('strategy looks', () => {
  it('one hue family per package, every strategy its own colour, stable for the same labels', () => {
    const labels = ['direct-map', 'direct-map {convert: "per-request"}', 'dma-swiotlb {mode: "streaming"}', 'dma-swiotlb {mode: "coherent"}', 'my-strategy', 'other-strategy'];
    const looks = strategyLooks(labels);
    const colors = labels.map((l) => looks.get(l)!.color);
    expect(new Set(colors).size).toBe(labels.length);
    // variants of one package differ in dash as well as shade
    expect(looks.get('direct-map')!.dash).not.toEqual(looks.get('direct-map {convert: "per-request"}')!.dash);
    expect(strategyLooks(labels)).toEqual(looks);
  });
});
