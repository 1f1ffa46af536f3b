/**
 * Structure-aware TDREPORT mutation, as a forger without the platform key
 * would: change REPORTTYPE, a measurement, REPORTDATA, reserved bytes or the
 * MAC, then (usually) recompute both SHA-384 bindings so the report stays
 * consistent. The MAC cannot be recomputed without the key.
 */
import { createHash } from 'node:crypto';
import { TDREPORT_OFFSETS } from '../../src/tdreport.js';
import type { Rng } from './rng.js';

const FIELDS: [string, number, number][] = [
  ['REPORTTYPE', TDREPORT_OFFSETS.reportType, 4],
  ['CPUSVN', TDREPORT_OFFSETS.cpuSvn, 16],
  ['REPORTDATA', TDREPORT_OFFSETS.reportData, 64],
  ['MAC', TDREPORT_OFFSETS.mac, 32],
  ['TEE_TCB_INFO', TDREPORT_OFFSETS.teeTcbInfo, 239],
  ['reserved 495..512', TDREPORT_OFFSETS.teeTcbInfoEnd, 17],
  ['MRTD', 528, 48],
  ['RTMR', 720, 192],
  ['SERVTD_HASH', TDREPORT_OFFSETS.servTdHash, 48],
];

export function mutateTdReport(rng: Rng, seed: Uint8Array): { input: Uint8Array; ops: string[] } {
  let r = seed.slice();
  const ops: string[] = [];
  for (let n = 1 + rng.int(2); n > 0; n--) {
    const [name, at, size] = rng.pick(FIELDS);
    const i = at + rng.int(size);
    r[i] = name === 'REPORTTYPE' ? rng.pick([0, 1, 2, 0x80, 0x81, 0xff]) : (r[i] ?? 0) ^ (1 + rng.int(255));
    ops.push(`tdreport-${name}`);
  }
  if (rng.chance(0.7)) {
    r.set(createHash('sha384').update(r.subarray(256, 495)).digest(), TDREPORT_OFFSETS.teeTcbInfoHash);
    r.set(createHash('sha384').update(r.subarray(512, 1024)).digest(), TDREPORT_OFFSETS.teeInfoHash);
    ops.push('tdreport-recompute-hashes');
  }
  if (rng.chance(0.05)) {
    r = rng.chance(0.5) ? r.subarray(0, rng.int(1024)) : Uint8Array.of(...r, ...rng.bytes(1 + rng.int(8)));
    ops.push('tdreport-length');
  }
  return { input: r, ops };
}
