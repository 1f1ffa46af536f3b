/**
 * Bounds-checked little-endian reader and writer. Every read checks the
 * remaining length first and throws a {@link FormatError} (kind `truncated`)
 * instead of reading past the end, so parsers built on it cannot go out of
 * bounds and cannot loop (every read consumes at least one byte or fails).
 */
import { FormatError } from './errors.js';
import { concatBytes } from './hex.js';

/** Sequential reader over one input; `structure` names the format in errors. */
export class ByteReader {
  private readonly view: DataView;
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly structure: string,
    offset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  /** Bytes left after the cursor. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Throw `truncated` unless `n` bytes remain. */
  need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new FormatError({
        structure: this.structure,
        field,
        offset: this.offset,
        kind: 'truncated',
        actual: `${this.remaining} byte${this.remaining === 1 ? '' : 's'} long`,
        expected: `${n} bytes`,
      });
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** Big-endian u32 (the QGS transport length prefix). */
  u32be(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset, false);
    this.offset += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A copy of the next `n` bytes. */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A copy of everything after the cursor (possibly empty). */
  rest(): Uint8Array {
    const out = this.bytes.slice(this.offset);
    this.offset = this.bytes.length;
    return out;
  }

  /** A FormatError (kind `invalid` unless given) for the field that starts at `offset`. */
  error(field: string, offset: number, actual: string, expected: string, kind: 'invalid' | 'unsupported' = 'invalid'): FormatError {
    return new FormatError({ structure: this.structure, field, offset, actual, expected, kind });
  }
}

/** Little-endian writer; `bytes()` checks fixed field sizes so a serializer cannot emit a wrong layout. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  constructor(readonly structure: string) {}

  get offset(): number {
    return this.length;
  }

  private push(part: Uint8Array): this {
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  private int(size: 2 | 4 | 8, value: number | bigint, field: string, bigEndian = false): this {
    const buf = new Uint8Array(size);
    const view = new DataView(buf.buffer);
    const max = (1n << BigInt(size * 8)) - 1n;
    const v = BigInt(value);
    if (v < 0n || v > max || (typeof value === 'number' && !Number.isInteger(value))) {
      throw new FormatError({ structure: this.structure, field, offset: this.length, actual: String(value), expected: `an unsigned ${size * 8}-bit integer` });
    }
    if (size === 2) view.setUint16(0, Number(v), !bigEndian);
    else if (size === 4) view.setUint32(0, Number(v), !bigEndian);
    else view.setBigUint64(0, v, !bigEndian);
    return this.push(buf);
  }

  u8(value: number, field: string): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw new FormatError({ structure: this.structure, field, offset: this.length, actual: String(value), expected: 'an unsigned 8-bit integer' });
    }
    return this.push(Uint8Array.of(value));
  }
  u16(value: number, field: string): this {
    return this.int(2, value, field);
  }
  u32(value: number, field: string): this {
    return this.int(4, value, field);
  }
  u32be(value: number, field: string): this {
    return this.int(4, value, field, true);
  }
  u64(value: bigint, field: string): this {
    return this.int(8, value, field);
  }

  /** Append bytes; with `size`, require exactly that many. */
  bytes(value: Uint8Array, field: string, size?: number): this {
    if (size !== undefined && value.length !== size) {
      throw new FormatError({ structure: this.structure, field, offset: this.length, actual: `${value.length} bytes long`, expected: `${size} bytes` });
    }
    return this.push(value.slice());
  }

  finish(): Uint8Array {
    return concatBytes(...this.parts);
  }
}
