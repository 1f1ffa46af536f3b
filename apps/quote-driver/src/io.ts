/** What a CLI command may touch, injectable so tests run `main` in-process. */
import { readFileSync } from 'node:fs';

/** Output streams and file access of one CLI run. */
export interface CliIo {
  /** Write to standard output (text is written as given; add your own newline). */
  stdout(text: string): void;
  /** Write to standard error. */
  stderr(text: string): void;
  /** Read a whole file; throws a Node error with `code` (e.g. ENOENT) on failure. */
  readFile(path: string): Uint8Array;
  /** The working folder relative paths and config discovery start from (default: process.cwd()). */
  cwd?(): string;
}

/** Exit codes: 0 everything verifies, 1 a check failed, 2 bad input or arguments. */
export const EXIT = { OK: 0, CHECK_FAILED: 1, USAGE: 2 } as const;

/** The real process's streams and file system. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readFile: (path) => new Uint8Array(readFileSync(path)),
};

/** `code` of a Node system error (ENOENT, EISDIR…), else its message. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
