/** Writing output files whole or not at all: every command that writes results, quotes or reports goes through here. */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from './io.js';

/** A file that could not be written, and why (`code`: ENOENT, EISDIR…). */
export class WriteFileError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`cannot write ${file}: ${code}`);
  }
}

/**
 * Write every file or none: each goes to a temporary file in its own folder
 * first, and only when all are written (and no target is a folder) are they
 * renamed into place. A failure leaves every existing target untouched and
 * throws a {@link WriteFileError} naming the file that could not be written.
 */
export function writeFilesAtomic(files: readonly { file: string; data: Uint8Array | string }[]): void {
  const staged: { tmp: string; file: string }[] = [];
  const attempt = (file: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      throw new WriteFileError(file, errorCode(e));
    }
  };
  try {
    for (const { file, data } of files) {
      const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
      attempt(file, () => writeFileSync(tmp, data, { flag: 'wx' }));
      staged.push({ tmp, file });
    }
    for (const { file } of staged) {
      if (existsSync(file) && statSync(file).isDirectory()) throw new WriteFileError(file, 'EISDIR');
    }
    for (const { tmp, file } of staged) attempt(file, () => renameSync(tmp, file));
  } finally {
    for (const { tmp } of staged) rmSync(tmp, { force: true });
  }
}

/** Write `data` to `file` through a temporary file in the same folder and a rename: never a partial file. */
export function writeAtomic(file: string, data: Uint8Array | string): void {
  writeFilesAtomic([{ file, data }]);
}
