import { z } from 'zod';

/** Options of the open-coded strategy; every key has a description and a default (docs/contributing.md §5). */
export const openCodedOptions = z
  .object({
    preallocateBytes: z
      .number()
      .int({ error: (i) => `must be an integer in [0, 4194304] bytes (got ${String(i.input)})` })
      .min(0, { error: (i) => `must be an integer in [0, 4194304] bytes (got ${String(i.input)})` })
      .max(4 * 1024 * 1024, { error: (i) => `must be an integer in [0, 4194304] bytes (got ${String(i.input)})` })
      .multipleOf(4096, { error: (i) => `must be a multiple of 4096 (got ${String(i.input)})` })
      .default(0)
      .describe(
        'Bytes of a default buffer converted once at init and reused for requests that fit ("allocate a default size buffer (i.e. 4 pages) ... during driver initialization", Kai Huang, 2022-05-10: 16384). Larger or concurrent requests convert their own pages. 0 = convert per request.',
      ),
    tlbFlush: z
      .boolean()
      .default(false)
      .describe(
        "Kirill's variant: flush_tlb_kernel_range() over the direct-map alias after MapGPA(shared). Kai Huang's sketch changes no PTE (the vmap is created decrypted, the direct map is left alone), so it flushes nothing; false = the sketch.",
      ),
  })
  .strict();

export type OpenCodedOptions = z.output<typeof openCodedOptions>;
