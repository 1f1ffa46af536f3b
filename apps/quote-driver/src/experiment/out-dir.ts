/** The output folder: checked writable before anything runs, created only when results are written. */
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { errorCode } from '../io.js';
import { ExperimentError } from './matrix.js';

/**
 * Refuse an output folder that exists as something else, lies under a file,
 * or sits where nothing can be written, by creating and removing a probe
 * file in the nearest folder that exists. Creates nothing that stays.
 */
export function checkOutDir(dir: string, what = '--out'): void {
  let at = path.resolve(dir);
  while (!existsSync(at)) {
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  if (!statSync(at).isDirectory()) throw new ExperimentError(`${what}: ${at === path.resolve(dir) ? dir : at} is not a folder`);
  const probe = path.join(at, `.tdx-shbuf-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw new ExperimentError(`${what}: cannot write in ${at}: ${errorCode(e)}`);
  }
}
