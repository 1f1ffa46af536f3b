/** What a CLI command may touch, injectable so tests run `main` in-process. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

/** Output streams and file access of one CLI run. */
export interface CliIo {
  /** Write to standard output (text is written as given; add your own newline). */
  stdout(text: string): void;
  /** Write to standard error. */
  stderr(text: string): void;
  /**
   * Read a whole file; throws a Node error with `code` (e.g. ENOENT) on
   * failure, and a {@link FileTooLargeError} when `maxBytes` is given and the
   * file holds more.
   */
  readFile(path: string, maxBytes?: number): Uint8Array;
  /** The working folder relative paths and config discovery start from (default: process.cwd()). */
  cwd?(): string;
  /** Standard error's terminal width when it is a terminal (progress bars redraw), else undefined (plain lines). */
  stderrColumns?(): number | undefined;
}

/**
 * Exit codes: 0 everything checked verifies, 1 a check failed, 2 bad input or
 * arguments, 3 consistent but not verifiable (a TDREPORT's MAC without the platform key).
 */
export const EXIT = { OK: 0, CHECK_FAILED: 1, USAGE: 2, UNVERIFIED: 3 } as const;

/** A file over the size a command accepts; `size` is null when only reading found out (a pipe or device). */
export class FileTooLargeError extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly file: string,
    readonly size: number | null,
    readonly maxBytes: number,
  ) {
    super(size === null ? `more than the ${maxBytes}-byte limit` : `${size} bytes, over the ${maxBytes}-byte limit`);
  }
}

/**
 * Read at most `maxBytes` of `file`: a regular file's size is checked with
 * fstat before anything is read, and pipes or devices (size 0 to stat) are
 * read up to one byte past the limit, so a 256 MiB file or /dev/zero is
 * refused without being loaded.
 */
export function readFileBounded(file: string, maxBytes: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (st.isFile() && st.size > maxBytes) throw new FileTooLargeError(file, st.size, maxBytes);
    const buf = new Uint8Array(maxBytes + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw new FileTooLargeError(file, st.isFile() ? n : null, maxBytes);
    return buf.slice(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The real process's streams and file system. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readFile: (path, maxBytes) => (maxBytes === undefined ? new Uint8Array(readFileSync(path)) : readFileBounded(path, maxBytes)),
  stderrColumns: () => (process.stderr.isTTY ? (process.stderr.columns ?? 80) : undefined),
};

/** `code` of a Node system error (ENOENT, EISDIR…), the sentence of a {@link FileTooLargeError}, else its message. */
export function errorCode(error: unknown): string {
  if (error instanceof FileTooLargeError) return error.message;
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
