import { KernelError, type Result } from '@tdx-shbuf/core';

/** TSM_INBLOB_MAX (include/linux/tsm.h): configfs refuses longer inblob writes. */
export const TSM_INBLOB_MAX = 64;

/**
 * One report directory, /sys/kernel/config/tsm/report/$name, as
 * drivers/virt/coco/tsm.c exposes it (configfs-tsm).
 */
export interface TsmReport {
  /** Write-only `inblob`: the REPORTDATA (exactly 64 bytes for TDX). Longer writes throw EFBIG; each write bumps `generation`. */
  set inblob(data: Uint8Array);
  /** Read-only `outblob`: the quote (produced on first read after a write, then cached); rejects with a KernelError. */
  readonly outblob: Promise<Uint8Array>;
  /** `provider`: "tdx_guest". */
  readonly provider: string;
  /** `generation`: bumped by every write, so a reader can tell whether the outblob it read belongs to its own inblob. */
  readonly generation: number;
}

/**
 * tsm_report_inblob_write / tsm_report_read: the cached outblob is reused
 * while no write happened since it was made (read_generation ==
 * write_generation); otherwise the provider's report_new runs again.
 */
export function createTsmReport(provider: string, reportNew: (inblob: Uint8Array) => Promise<Result<Uint8Array>>): TsmReport {
  let inblob = new Uint8Array(0);
  let writeGeneration = 0;
  let cached: { generation: number; outblob: Promise<Uint8Array> } | undefined;
  return {
    set inblob(data: Uint8Array) {
      if (data.length > TSM_INBLOB_MAX) throw new KernelError('EFBIG', `inblob write of ${data.length} bytes exceeds TSM_INBLOB_MAX (${TSM_INBLOB_MAX})`);
      inblob = data.slice();
      writeGeneration++;
    },
    get outblob(): Promise<Uint8Array> {
      if (cached?.generation === writeGeneration) return cached.outblob;
      const generation = writeGeneration;
      const outblob = reportNew(inblob).then((r) => {
        if (!r.ok) {
          if (cached?.generation === generation) cached = undefined; // errors are not cached
          throw r.error;
        }
        return r.value;
      });
      cached = { generation, outblob };
      return outblob;
    },
    get provider() {
      return provider;
    },
    get generation() {
      return writeGeneration;
    },
  };
}
