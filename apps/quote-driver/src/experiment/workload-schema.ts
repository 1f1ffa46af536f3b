import { z } from 'zod';
import { driverSchema } from '../config/config-schema.js';
import { sizeSchema } from './size.js';

/** How requests arrive: closed loop (each client issues its next request when the last returns) or open loop (Poisson). */
export const arrivalSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('closed').describe('Closed loop: each client issues its next request as soon as the previous one returns.') }).strict(),
    z
      .object({
        kind: z.literal('poisson').describe('Open loop: requests arrive as a Poisson process, whether or not earlier ones are done.'),
        ratePerSec: z
          .number()
          .positive()
          .max(1e9)
          .describe('Arrivals per second of modeled time over all clients (each client gets ratePerSec / clients); latency counts from arrival, so queueing shows.'),
      })
      .strict(),
  ])
  .default({ kind: 'closed' })
  .describe('Arrival process: { kind: closed } (default) or { kind: poisson, ratePerSec }. Seeded by the run seed.');

/** A request-size distribution (buffer-cycle), drawn per request from a stream seeded by the run seed. */
export const sizeDistributionSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('uniform'), min: sizeSchema.describe('Smallest size.'), max: sizeSchema.describe('Largest size.') })
    .strict()
    .describe('Uniform integer size in [min, max].'),
  z
    .object({
      kind: z.literal('lognormal'),
      median: sizeSchema.describe('Median size.'),
      sigma: z.number().positive().max(4).describe('Standard deviation of ln(size).'),
      max: sizeSchema.describe('Sizes above are clamped here (the allocator is created for this size).'),
    })
    .strict()
    .describe('Log-normal size (median · e^(sigma·N(0,1))), at least 1 byte, clamped to max.'),
  z
    .object({
      kind: z.literal('choice'),
      values: z.array(sizeSchema).min(1).max(64).describe('Sizes to choose from.'),
      weights: z.array(z.number().positive()).optional().describe('Relative weights, one per value (default: equal).'),
    })
    .strict()
    .describe('One of a few sizes, weighted.'),
]);

export type SizeDistribution = z.output<typeof sizeDistributionSchema>;

/** What the guest does. */
export const workloadSchema = z
  .object({
    kind: z
      .enum(['buffer-cycle', 'quote'])
      .default('buffer-cycle')
      .describe(
        'buffer-cycle: per request alloc → guest writes the request → host reads it and writes the answer after the service time → guest reads → free (any size, e.g. GHCI service buffers). quote: the real tdx-guest GetQuote flow through the driver, one quote per request; `bytes` is the driver bufferBytes (QEMU takes at most 128 KiB).',
      ),
    clients: z.number().int().min(1).max(1024).default(1).describe('Clients, each on its own vCPU (buffer-cycle: more than one needs a concurrent strategy; quote: the driver policy decides).'),
    requests: z.number().int().min(1).max(10_000_000).default(50).describe('Requests per client (clients × requests at most 10,000,000).'),
    bytes: z
      .union([sizeSchema, z.array(sizeSchema).min(1), sizeDistributionSchema])
      .default(8192)
      .describe(
        'Buffer size per request: a size, a list to sweep (the same as matrix key workload.bytes), or a distribution per request (buffer-cycle only): { kind: uniform, min, max } | { kind: lognormal, median, sigma, max } | { kind: choice, values, weights? }.',
      ),
    arrival: arrivalSchema,
    hostServiceNs: z.number().nonnegative().max(3_600e9).optional().describe('buffer-cycle: host time per request; default: the cost model quoteGenerationNs.'),
    driver: driverSchema
      .omit({ bufferBytes: true })
      .prefault({})
      .describe('quote: the driver policy (completion, polling, timeout, serialized/parallel requests, v6.7/v7.0 checks); bufferBytes comes from `bytes`.'),
  })
  .strict();

export type Workload = z.output<typeof workloadSchema>;
