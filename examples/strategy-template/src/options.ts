import { z } from 'zod';

/** Options: every key has a description and a default (invalid options are a ConfigError naming the key). */
export const templateOptions = z
  .object({
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(4 * 1024 * 1024)
      .default(128 * 1024)
      .describe('Largest buffer served; at most 4 MiB, the largest alloc_pages_exact() block (MAX_PAGE_ORDER 10).'),
    zero: z.boolean().default(true).describe('Allocate with __GFP_ZERO, as the upstream quote driver does.'),
  })
  .strict();

export type TemplateOptions = z.output<typeof templateOptions>;
