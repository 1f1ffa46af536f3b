import { z } from 'zod';
import { boundedNumber, MAX_PAGE_ORDER, pageBytes, PAGE_SIZE, platformSchema } from '@tdx-shbuf/core';

/**
 * The `tdx-shbuf.config.{ts,json,yaml}` schema. Every key has a description
 * and a default (docs/contributing.md §5); `schema/tdx-shbuf.config.schema.json` and
 * CONFIG.md are generated from it (scripts/gen-config.ts).
 */

/** GET_QUOTE_BUF_SIZE of drivers/virt/coco/tdx-guest/tdx-guest.c in v6.7–v6.19. */
export const GET_QUOTE_BUF_SIZE_V6_7 = 8 * 1024;
/** Largest quote buffer: one MAX_PAGE_ORDER block (4 MiB), the most alloc_pages_exact() gives contiguously. */
export const MAX_BUFFER_BYTES = PAGE_SIZE * 2 ** MAX_PAGE_ORDER;
/** Longest poll interval and timeout: an hour of virtual time. */
export const MAX_WAIT_MS = 3_600_000;
/** Most status polls one request may take (timeoutMs / pollIntervalMs): each is a modeled wake-up. */
export const MAX_POLLS_PER_REQUEST = 1_000_000;

export const strategySpecSchema = z
  .union([z.string().min(1), z.tuple([z.string().min(1), z.record(z.string(), z.unknown())])])
  .default('direct-map')
  .describe(
    "The shared-buffer strategy: a short name (direct-map, vmap-noalias, open-coded, dma-swiotlb, shared-pool), any package name or a relative path, or [name, { options }]. Resolved from the config file's folder, then from the driver's own.",
  );

export const driverSchema = z
  .object({
    bufferBytes: pageBytes(4096, MAX_BUFFER_BYTES)
      .default(GET_QUOTE_BUF_SIZE_V6_7)
      .describe(
        'Size of each quote buffer (GET_QUOTE_BUF_SIZE): 8192 in v6.7–v6.19, 131072 from v7.0; whole pages (QEMU answers ALIGN_ERROR otherwise), at most 4 MiB (one MAX_PAGE_ORDER block). QEMU refuses more than 128 KiB (the request fails with EIO). The strategy must declare maxBytes at least this.',
      ),
    completion: z
      .enum(['poll', 'interrupt'])
      .default('poll')
      .describe(
        '"poll": re-read the status every pollIntervalMs, as upstream wait_for_quote_completion() does. "interrupt": wait for the notify vector registered with TDVMCALL<SetupEventNotifyInterrupt> (the 2022 series), re-checking the status on each interrupt.',
      ),
    pollIntervalMs: boundedNumber({ min: 0.001, max: MAX_WAIT_MS, unit: 'ms' })
      .default(1000)
      .describe('Polling interval in ms, 0.001 to 3600000: upstream msleep_interruptible(MSEC_PER_SEC), once per second. At most 1,000,000 polls per timeout.'),
    timeoutMs: boundedNumber({ min: 0, minExclusive: true, max: MAX_WAIT_MS, unit: 'ms' })
      .default(30_000)
      .describe('How long the driver waits for the host, in ms, at most an hour: upstream getquote_timeout = 30 polls of 1 s.'),
    requests: z
      .enum(['serialized', 'parallel'])
      .default('serialized')
      .describe('"serialized": one request at a time under a mutex (upstream quote_lock). "parallel": each request gets its own buffer from the strategy, which must declare concurrent: true.'),
    checks: z
      .enum(['v6.7', 'v7.0'])
      .default('v7.0')
      .describe(
        '"v6.7": the driver as merged (v6.7–v6.19): no status check, out_len trusted and fetched twice (kvmemdup, then outblob_len). "v7.0": -EIO when the status, fetched again after the wait, is not SUCCESS; out_len read once (READ_ONCE) and -EFBIG past the buffer. Both keep wait_for_quote_completion()\'s off-by-one: an answer seen at the last poll is -ETIMEDOUT, a real timeout returns 0 — an empty "successful" quote in v6.7, -EIO in v7.0.',
      ),
    notifyVector: boundedNumber({ min: 32, max: 255, int: true })
      .default(0xf3)
      .describe('Vector registered with SetupEventNotifyInterrupt when completion is "interrupt" (32..255); default 0xf3, HYPERVISOR_CALLBACK_VECTOR, which the 2022 series reused.'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().default('./node_modules/tdx-shbuf/schema/tdx-shbuf.config.schema.json').describe('JSON Schema for editors; ignored by the driver.'),
    strategy: strategySpecSchema,
    platform: platformSchema
      .prefault({})
      .describe('The modeled TD and host (@tdx-shbuf/core platformSchema): vCPUs, memory, GPAW, 1G pages, SWIOTLB size, cost-model overrides, TD measurements, seed.'),
    driver: driverSchema.prefault({}).describe("The quote driver's policy (drivers/virt/coco/tdx-guest/tdx-guest.c, made configurable)."),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = pollsIssue(c.driver);
    if (issue) ctx.addIssue({ code: 'custom', path: ['driver', 'pollIntervalMs'], message: issue });
  });

/** Why a polling driver policy would take too many polls per request, or undefined. */
export function pollsIssue(d: Pick<DriverPolicy, 'completion' | 'pollIntervalMs' | 'timeoutMs'>): string | undefined {
  if (d.completion !== 'poll') return undefined;
  const polls = Math.ceil(d.timeoutMs / d.pollIntervalMs);
  return polls > MAX_POLLS_PER_REQUEST ? `${d.pollIntervalMs} ms polls ${polls} times in the ${d.timeoutMs} ms timeout; at most ${MAX_POLLS_PER_REQUEST} polls per request` : undefined;
}

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
