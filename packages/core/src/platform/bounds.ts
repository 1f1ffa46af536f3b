import { z } from 'zod';

/**
 * Numbers that come in from configuration, each refused with one line that
 * names the allowed range and the value given (docs/contributing.md §5): the
 * key is prefixed by whoever reports the issue (`platform.kernelImageBytes:
 * must be a multiple of 4096 (got 4097)`). The bounds stay in the JSON Schema
 * (minimum, maximum, multipleOf), so editors show them too.
 */
export interface NumberBounds {
  readonly min: number;
  readonly max: number;
  /** `min` itself is not allowed (a positive quantity: `> 0`). */
  readonly minExclusive?: boolean;
  readonly int?: boolean;
  /** Must be a multiple of this (pages: 4096). */
  readonly multipleOf?: number;
  /** Unit for the message, e.g. `ms`, `bytes`. */
  readonly unit?: string;
}

const show = (v: unknown) => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)));

/** `[1, 1024]`, `(0, 3600000] ms`: the allowed range as the messages print it. */
export function rangeText(b: NumberBounds): string {
  return `${b.minExclusive ? '(' : '['}${b.min}, ${b.max}]${b.unit ? ` ${b.unit}` : ''}`;
}

/** A z.number() in `b`, every refusal one line naming the range and the value. */
export function boundedNumber(b: NumberBounds): z.ZodNumber {
  const what = `${b.int ? 'an integer' : 'a number'} in ${rangeText(b)}`;
  const msg = (i: { input?: unknown }) => `must be ${what} (got ${show(i.input)})`;
  let s = z.number({ error: msg });
  s = b.minExclusive ? s.gt(b.min, { error: msg }) : s.min(b.min, { error: msg });
  s = s.max(b.max, { error: msg });
  if (b.int) s = s.int({ error: msg });
  if (b.multipleOf !== undefined) {
    const step = b.multipleOf;
    s = s.multipleOf(step, { error: (i) => `must be a multiple of ${step} (got ${show(i.input)})` });
  }
  return s;
}

/** Bytes that are whole pages: a multiple of 4096 in [min, max]. */
export function pageBytes(min: number, max: number): z.ZodNumber {
  return boundedNumber({ min, max, int: true, multipleOf: 4096, unit: 'bytes' });
}

/** A probability in [0, 1]. */
export function probability(): z.ZodNumber {
  return boundedNumber({ min: 0, max: 1 });
}

/** One hour of virtual time in ns: no single modeled operation or wait is longer. */
export const HOUR_NS = 3_600e9;
