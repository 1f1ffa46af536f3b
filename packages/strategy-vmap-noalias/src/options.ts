import { z } from 'zod';

/** Options of the vmap-noalias strategy; every key has a description and a default (docs/contributing.md §5). */
export const vmapNoaliasOptions = z
  .object({
    guardPage: z
      .boolean()
      .default(false)
      .describe(
        "Dave Hansen's mitigation (v8 review, 2022-07-21): allocate one order higher and leave the page before the buffer unused, so load_unaligned_zeropad() running off the end of in-use memory never reaches a shared page through its private direct-map alias.",
      ),
  })
  .strict();

export type VmapNoaliasOptions = z.output<typeof vmapNoaliasOptions>;
