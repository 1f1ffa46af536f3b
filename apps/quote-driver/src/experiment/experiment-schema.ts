import { z } from 'zod';
import { platformSchema } from '@tdx-shbuf/core';
import { sizeSchema } from './size.js';
import { strategySpecSchema } from '../config/config-schema.js';
import { workloadSchema } from './workload-schema.js';

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

/** The sensitivity analysis of the cost parameters (docs/results-format.md "Sensitivity"). */
export const sensitivitySchema = z
  .object({
    parameters: z.array(z.string()).min(1).optional().describe('Cost parameters to vary (default: every one whose range is not fixed).'),
    ranges: z
      .record(z.string(), z.tuple([z.number().nonnegative(), z.number().nonnegative()]))
      .optional()
      .describe('[low, high] overrides of the documented ranges (COST_PARAM_META in @tdx-shbuf/core), by parameter.'),
    tolerance: z
      .object({
        relative: z.number().min(0).max(1).default(0.02).describe('Two strategies within this fraction of each other tie.'),
        absoluteNs: z.number().nonnegative().default(100).describe('…or within this many ns.'),
      })
      .strict()
      .prefault({})
      .describe('When two strategies tie (a tie that opens or closes is not a flip).'),
    bisectSteps: z.number().int().min(1).max(30).default(8).describe('Bisection steps to locate a flip between the default and the end of the range that flips.'),
  })
  .strict();

/** An experiment file (YAML or JSON). Every key has a description and a default. */
export const experimentSchema = z
  .object({
    $schema: z.string().optional().describe('JSON Schema for editors (./node_modules/tdx-shbuf/schema/tdx-shbuf.experiment.schema.json); ignored by the runner.'),
    name: z
      .string()
      .regex(/^[\w.-]+$/, 'letters, digits, "-", "_" and "." only')
      .describe('Name; the default output folder is runs/<name>.'),
    description: z.string().default('').describe('What question the experiment answers.'),
    platform: platformInput.prefault({}).describe('The modeled TD and host (core platformSchema): vcpus, memoryBytes, gpaw, gbPages, swiotlbBytes, cost overrides…'),
    workload: workloadSchema.prefault({}).describe('What the guest does.'),
    strategies: z.array(strategySpecSchema).min(1).describe('Strategies to compare, each run on a fresh guest.'),
    seeds: z.array(z.number().int().nonnegative()).min(1).max(1000).default([1]).describe('Seeds; each (point, strategy, seed) is one run.'),
    matrix: z
      .record(z.string(), z.array(z.unknown()).min(1).max(1000))
      .default({})
      .describe(
        'Sweep axes: a dotted key → the values to run it at, e.g. { platform.vcpus: [1, 8, 64], workload.driver.completion: [poll, interrupt], platform.cost.tdvmcallRoundTripNs: [2000, 8000], strategy.options.mode: [streaming, coherent] }. Keys: any platform.* (cost.*, faults.*), workload.* (driver.*, arrival.*) key, or strategy.options.<key>, applied to the strategies whose options have that key (the others run unchanged at every point). The cross product × strategies × seeds is run, each on a fresh guest.',
      ),
    expectErrors: z
      .record(z.string().regex(/^E[A-Z0-9]+$/, 'an errno name such as EIO'), z.union([z.literal(true), z.number().int().nonnegative()]))
      .optional()
      .describe('Errors the experiment expects, by errno: true (any number) or the most per run. Any other failed request makes `run` exit 1; invariant violations are never expected.'),
    sensitivity: sensitivitySchema
      .optional()
      .describe('Run the sensitivity analysis (as --sensitivity does): vary each cost parameter over its range and report whether the ranking of strategies holds.'),
  })
  .strict();

export type Experiment = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;

/** `defineExperiment` for TypeScript experiment files. */
export function defineExperiment(e: ExperimentInput): ExperimentInput {
  return e;
}

/** A bad experiment: the message is one line naming the file and the key. */
export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';
}

/** Validate; throws an ExperimentError whose message is `file: path.to.key: message`. */
export function parseExperiment(raw: unknown, file: string): Experiment {
  const r = experimentSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : '(top level)';
  throw new ExperimentError(`${file}: ${where}: ${issue.message.split('\n')[0]}`);
}
