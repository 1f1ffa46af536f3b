import { z } from 'zod';
import { platformSchema } from '@tdx-shbuf/core';

/**
 * The `tdx-shbuf.config.{ts,json,yaml}` schema. Every key has a description
 * and a default (docs/contributing.md §5); `schema/tdx-shbuf.config.schema.json` and
 * CONFIG.md are generated from it (scripts/gen-config.ts).
 */

/** GET_QUOTE_BUF_SIZE of drivers/virt/coco/tdx-guest/tdx-guest.c in v6.7–v6.19. */
export const GET_QUOTE_BUF_SIZE_V6_7 = 8 * 1024;

export const strategySpecSchema = z
  .union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())])])
  .default('direct-map')
  .describe(
    'The shared-buffer strategy: a short name (direct-map, vmap-noalias, open-coded, dma-swiotlb, shared-pool), any package name or a relative path, or [name, { options }]. Resolved from the config file\'s folder, then from the driver\'s own.',
  );

export const driverSchema = z
  .object({
    bufferBytes: z
      .number()
      .int()
      .min(4096)
      .multipleOf(4096, 'must be a multiple of 4096 (QEMU answers ALIGN_ERROR otherwise)')
      .default(GET_QUOTE_BUF_SIZE_V6_7)
      .describe('Size of each quote buffer (GET_QUOTE_BUF_SIZE): 8192 in v6.7–v6.19, 131072 from v7.0. QEMU refuses more than 128 KiB. The strategy must declare maxBytes at least this.'),
    completion: z
      .enum(['poll', 'interrupt'])
      .default('poll')
      .describe('"poll": re-read the status every pollIntervalMs, as upstream wait_for_quote_completion() does. "interrupt": wait for the notify vector registered with TDVMCALL<SetupEventNotifyInterrupt> (the 2022 series), re-checking the status on each interrupt.'),
    pollIntervalMs: z.number().positive().default(1000).describe('Polling interval in ms: upstream msleep_interruptible(MSEC_PER_SEC), once per second.'),
    timeoutMs: z.number().positive().default(30_000).describe('How long the driver waits for the host, in ms: upstream getquote_timeout = 30 polls of 1 s.'),
    requests: z
      .enum(['serialized', 'parallel'])
      .default('serialized')
      .describe('"serialized": one request at a time under a mutex (upstream quote_lock). "parallel": each request gets its own buffer from the strategy, which must declare concurrent: true.'),
    checks: z
      .enum(['v6.7', 'v7.0'])
      .default('v7.0')
      .describe('"v6.7": the driver as merged (v6.7–v6.19): no status check, out_len trusted, and a real timeout reported as success (the i == 31 off-by-one). "v7.0": -EIO when status is not SUCCESS, out_len read once and -EFBIG past the buffer, a timeout is -ETIMEDOUT.'),
    notifyVector: z
      .number()
      .int()
      .min(32)
      .max(255)
      .default(0xf3)
      .describe('Vector registered with SetupEventNotifyInterrupt when completion is "interrupt" (32..255); default 0xf3, HYPERVISOR_CALLBACK_VECTOR, which the 2022 series reused.'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().default('./node_modules/tdx-shbuf/schema/tdx-shbuf.config.schema.json').describe('JSON Schema for editors; ignored by the driver.'),
    strategy: strategySpecSchema,
    platform: platformSchema.prefault({}).describe('The modeled TD and host (@tdx-shbuf/core platformSchema): vCPUs, memory, GPAW, 1G pages, SWIOTLB size, cost-model overrides, TD measurements, seed.'),
    driver: driverSchema.prefault({}).describe('The quote driver\'s policy (drivers/virt/coco/tdx-guest/tdx-guest.c, made configurable).'),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type DriverPolicy = z.output<typeof driverSchema>;

/** Type-checked configuration for `tdx-shbuf.config.ts`: `export default defineConfig({ … })`. */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** Validate raw configuration; throws an Error reading `path.to.key: message`. */
export function parseConfig(raw: unknown): Config {
  const r = configSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  throw new ConfigValidationError(`${where}: ${issue.message}`);
}

/** A configuration value the schema rejects. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
}
