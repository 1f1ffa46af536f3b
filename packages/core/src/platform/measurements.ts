import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TdMeasurements } from '@tdx-shbuf/tdx-formats';

/**
 * The TD's measurements and TCB values as TDG.MR.REPORT puts them into the
 * TDREPORT (docs/model.md §7): hex strings in configuration, bytes in the model.
 * Every key has a description and a default (docs/contributing.md §5).
 */
const hex = (bytes: number, def: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`), `must be ${bytes * 2} hex digits (${bytes} bytes)`)
    .default(def)
    .describe(what);
const zeros = (bytes: number) => '00'.repeat(bytes);

export const measurementsSchema = z
  .object({
    mrTd: hex(48, zeros(48), "MRTD: SHA-384 of the TD's initial contents as built by TDH.MR.EXTEND (TDINFO at 528)."),
    mrConfigId: hex(48, zeros(48), 'MRCONFIGID: software-defined ID of the TD configuration, set by the host at TD creation (TDINFO at 576).'),
    mrOwner: hex(48, zeros(48), 'MROWNER: software-defined ID of the TD owner (TDINFO at 624).'),
    mrOwnerConfig: hex(48, zeros(48), 'MROWNERCONFIG: software-defined owner configuration (TDINFO at 672).'),
    rtmr: z
      .tuple([hex(48, zeros(48), 'RTMR0'), hex(48, zeros(48), 'RTMR1'), hex(48, zeros(48), 'RTMR2'), hex(48, zeros(48), 'RTMR3')])
      .default([zeros(48), zeros(48), zeros(48), zeros(48)])
      .describe('RTMR0..3: run-time measurement registers extended by firmware and the kernel (TDINFO at 720, 768, 816, 864).'),
    tdAttributes: hex(8, '0000001000000000', 'TD_ATTRIBUTES, 8 bytes little-endian; default: only bit 28 SEPT_VE_DISABLE, as a production Linux TD runs (TDINFO at 512).'),
    xfam: hex(8, 'e702060000000000', 'XFAM, 8 bytes little-endian: the extended features the TD may use (TDINFO at 520).'),
    teeTcbSvn: hex(16, zeros(16), "TEE_TCB_SVN: the TDX module's security version (TEE_TCB_INFO at 264)."),
    mrSeam: hex(48, zeros(48), 'MRSEAM: measurement of the TDX module (TEE_TCB_INFO at 280).'),
    mrSignerSeam: hex(48, zeros(48), "MRSIGNERSEAM: signer of the TDX module, zero for Intel's (TEE_TCB_INFO at 328)."),
  })
  .strict();

export type MeasurementsConfig = z.output<typeof measurementsSchema>;

const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

/** The measurements in the form tdx-formats' generateTdReport takes. */
export function tdMeasurements(c: MeasurementsConfig): TdMeasurements {
  return {
    mrTd: bytes(c.mrTd),
    mrConfigId: bytes(c.mrConfigId),
    mrOwner: bytes(c.mrOwner),
    mrOwnerConfig: bytes(c.mrOwnerConfig),
    rtmr: [bytes(c.rtmr[0]), bytes(c.rtmr[1]), bytes(c.rtmr[2]), bytes(c.rtmr[3])],
    attributes: bytes(c.tdAttributes),
    xfam: bytes(c.xfam),
    teeTcbSvn: bytes(c.teeTcbSvn),
    mrSeam: bytes(c.mrSeam),
    mrSignerSeam: bytes(c.mrSignerSeam),
  };
}

/**
 * Per-platform secrets derived from the platform seed: the key the simulated
 * TDX module MACs TDREPORTs with (on hardware a CPU key that never leaves the
 * package) and the simulated quote service's PKI seed. Same seed → same keys,
 * so the simulated root a seed yields can be written out and trusted.
 */
export function platformSecrets(seed: string): { macKey: Uint8Array; qgsSeed: Uint8Array } {
  const derive = (label: string) => new Uint8Array(createHash('sha256').update(`tdx-shbuf platform ${label}\0`).update(seed).digest());
  return { macKey: derive('report-mac-key'), qgsSeed: derive('qgs-seed') };
}
