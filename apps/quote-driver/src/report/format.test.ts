import { describe, expect, it } from 'vitest';
import { formatAxisValue, formatBytes, formatCount, formatDuration, formatUs, shortLabel } from './format.js';

describe('report number formats', () => {
  it('microseconds: one decimal below 100 µs, grouped whole µs above, a dash when absent', () => {
    expect(formatUs(6_800)).toBe('6.8');
    expect(formatUs(99_940)).toBe('99.9');
    expect(formatUs(851_000)).toBe('851');
    expect(formatUs(1_000_006_000)).toBe('1,000,006');
    expect(formatUs(undefined)).toBe('—');
  });

  it('durations pick the unit that reads best and never print 1.00e+3', () => {
    expect(formatDuration(850)).toBe('850 ns');
    expect(formatDuration(6_800)).toBe('6.80 µs');
    expect(formatDuration(999_400)).toBe('999 µs');
    expect(formatDuration(999_600)).toBe('1.00 ms');
    expect(formatDuration(4_007_000)).toBe('4.01 ms');
    expect(formatDuration(1_000_006_000)).toBe('1.00 s');
  });

  it('bytes round to whole bytes below 1 KiB, one decimal above', () => {
    expect(formatBytes(5.96e-8)).toBe('0 B');
    expect(formatBytes(512.4)).toBe('512 B');
    expect(formatBytes(141_107)).toBe('137.8 KiB');
  });

  it('counts group digits and keep one decimal for fractions', () => {
    expect(formatCount(1057)).toBe('1,057');
    expect(formatCount(2.25)).toBe('2.3');
  });

  it('sweep coordinates: sizes, durations, clients, other numbers with their key, words as they are', () => {
    expect(formatAxisValue('workload.bytes', 4 * 1024 * 1024)).toBe('4 MiB');
    expect(formatAxisValue('workload.hostServiceNs', 4_000_000)).toBe('4.00 ms');
    expect(formatAxisValue('workload.clients', 1)).toBe('1 client');
    expect(formatAxisValue('workload.clients', 4)).toBe('4 clients');
    expect(formatAxisValue('platform.vcpus', 8)).toBe('vcpus 8');
    expect(formatAxisValue('workload.driver.completion', 'poll')).toBe('poll');
  });

  it('short labels drop braces and quotes but keep every option', () => {
    expect(shortLabel('dma-swiotlb {mode: "coherent"}')).toBe('dma-swiotlb mode=coherent');
    expect(shortLabel('open-coded {preallocateBytes: 16384, zero: true}')).toBe('open-coded preallocateBytes=16384 zero=true');
    expect(shortLabel('direct-map')).toBe('direct-map');
  });
});
