/**
 * The one error type the parsers of this package throw.
 *
 * Contract: every `parse*` function either returns a typed value or throws a
 * {@link FormatError} — never another exception, never a read out of bounds.
 * {@link tryParse} turns that into a result value for callers at the model's
 * edge (docs/contributing.md §13).
 */

/** What went wrong: too few bytes, a value that breaks the format, or a valid but unsupported variant. */
export type FormatErrorKind = 'truncated' | 'invalid' | 'unsupported';

/** Where and what, in the words of the format. */
export interface FormatErrorDetails {
  /** The structure being read, e.g. `quote v4`, `TDREPORT_STRUCT`, `QGS message`. */
  structure: string;
  /** The field, e.g. `certification data type`. */
  field: string;
  /** Byte offset of the field from the start of the input. */
  offset: number;
  /** What the format requires, human-readable. */
  expected: string;
  /** What the input holds, human-readable. */
  actual: string;
  /** Defaults to `invalid`. */
  kind?: FormatErrorKind;
}

/** A malformed or unsupported binary structure. Message: `quote v4: certification data type at offset 764 is 3, expected 6`. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
  readonly structure: string;
  readonly field: string;
  readonly offset: number;
  readonly expected: string;
  readonly actual: string;
  readonly kind: FormatErrorKind;

  constructor(details: FormatErrorDetails) {
    const prefix = details.kind === 'unsupported' ? 'unsupported ' : '';
    super(`${details.structure}: ${prefix}${details.field} at offset ${details.offset} is ${details.actual}, expected ${details.expected}`);
    this.structure = details.structure;
    this.field = details.field;
    this.offset = details.offset;
    this.expected = details.expected;
    this.actual = details.actual;
    this.kind = details.kind ?? 'invalid';
  }
}

/** Result of {@link tryParse}. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: FormatError };

/** Run a parser and return its value or its {@link FormatError} as data. Other exceptions (bugs) propagate. */
export function tryParse<T>(parse: (bytes: Uint8Array) => T, bytes: Uint8Array): ParseResult<T> {
  try {
    return { ok: true, value: parse(bytes) };
  } catch (error) {
    if (error instanceof FormatError) return { ok: false, error };
    throw error;
  }
}
