import { z } from 'zod';
import { platformSchema } from '@tdx-shbuf/core';
import { sizeSchema } from './size.js';
import { driverSchema, strategySpecSchema } from '../config/config-schema.js';

/** The platform as an experiment file writes it: core's schema, with sizes accepted as "16GiB". */
const platformInput = z
  .object({ memoryBytes: sizeSchema.optional(), swiotlbBytes: sizeSchema.optional(), kernelImageBytes: sizeSchema.optional() })
  .passthrough()
  .transform((p, ctx) => {
    const r = platformSchema.safeParse(Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)));
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

/** An experiment file (YAML or JSON). Every key has a description and a default. */
export const experimentSchema = z
  .object({
    $schema: z.string().optional().describe('JSON Schema for editors (./node_modules/tdx-shbuf/schema/tdx-shbuf.experiment.schema.json); ignored by the runner.'),
    name: z.string().regex(/^[\w.-]+$/, 'letters, digits, "-", "_" and "." only').describe('Name; the default output folder is runs/<name>.'),
    description: z.string().default('').describe('What question the experiment answers.'),
    platform: platformInput.prefault({}).describe('The modeled TD and host (core platformSchema): vcpus, memoryBytes, gpaw, gbPages, swiotlbBytes, cost overrides…'),
    workload: z
      .object({
        kind: z
          .enum(['buffer-cycle', 'quote'])
          .default('buffer-cycle')
          .describe(
            'buffer-cycle: per request alloc → guest writes the request → host reads it and writes the answer after the service time → guest reads → free (any size, e.g. GHCI service buffers). quote: the real tdx-guest GetQuote flow through the driver, one quote per request; `bytes` is the driver bufferBytes (QEMU takes at most 128 KiB).',
          ),
        clients: z.number().int().min(1).max(1024).default(1).describe('Closed-loop clients, each on its own vCPU (buffer-cycle: more than one needs a concurrent strategy; quote: the driver policy decides).'),
        requests: z.number().int().min(1).max(1_000_000).default(50).describe('Requests per client.'),
        bytes: z.union([sizeSchema, z.array(sizeSchema).min(1)]).default(8192).describe('Buffer size per request, or a list to sweep.'),
        hostServiceNs: z.number().nonnegative().optional().describe('buffer-cycle: host time per request; default: the cost model quoteGenerationNs.'),
        driver: driverSchema.omit({ bufferBytes: true }).prefault({}).describe('quote: the driver policy (completion, polling, timeout, serialized/parallel requests, v6.7/v7.0 checks); bufferBytes comes from `bytes`.'),
      })
      .strict()
      .prefault({})
      .describe('What the guest does.'),
    strategies: z.array(strategySpecSchema).min(1).describe('Strategies to compare, each run on a fresh guest.'),
    seeds: z.array(z.number().int().nonnegative()).min(1).default([1]).describe('Seeds; each (strategy, size, seed) is one run.'),
  })
  .strict();

export type Experiment = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

/** `defineExperiment` for TypeScript experiment files. */
export function defineExperiment(e: ExperimentInput): ExperimentInput {
  return e;
}

/** Validate; throws an Error whose message is `file: path.to.key: message`. */
export function parseExperiment(raw: unknown, file: string): Experiment {
  const r = experimentSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  throw new Error(`${file}: ${where}: ${issue.message}`);
}
