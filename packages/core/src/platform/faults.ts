import { z } from 'zod';

const rate = (what: string) => z.number().min(0).max(1).default(0).describe(what);

/**
 * A seeded fault plan (docs/architecture.md "faults and adversary"): each knob is the
 * probability that one operation misbehaves. All zero by default; the same
 * seed gives the same faults, so a run is reproducible bit for bit.
 */
export const faultsSchema = z
  .object({
    seed: z.number().int().nonnegative().default(1).describe('Seed of the fault plan’s random stream.'),
    mapGpaInterruptRate: rate('After each 2 MiB MapGPA chunk, probability that an interrupt is pending, so KVM answers RETRY with the next GPA (tdx_complete_vmcall_map_gpa).'),
    mapGpaNoProgressRate: rate('Probability that a MapGPA hypercall is answered RETRY without progress (a broken or hostile host); 3 in a row make tdx_map_gpa give up.'),
    mapGpaOutOfRangeRate: rate('Probability that a MapGPA RETRY carries a GPA outside [start, end) (a hostile host); tdx_map_gpa rejects it.'),
    mapGpaFailRate: rate('Probability that a MapGPA hypercall fails with INVALID_OPERAND (the host refuses the conversion): set_memory_* return -EIO.'),
    acceptFailRate: rate('Probability that TDG.MEM.PAGE.ACCEPT of a page the host is handing back from shared fails (the host never AUGs it): tdx_accept_memory fails, the conversion back to private fails. Unaccepted memory\'s first accept is not subject to it (a failure there panics the TD in arch_accept_memory).'),
    enomemRate: rate('Probability that a page allocation fails as if memory were exhausted (alloc_pages returns NULL).'),
    quoteService: z
      .object({
        serviceConfigured: z.boolean().default(true).describe('false: QEMU started without quote-generation-socket; GetQuote writes SERVICE_UNAVAILABLE at once.'),
        serviceUnavailable: z.boolean().default(false).describe('Connecting to the QGS fails: the request completes with SERVICE_UNAVAILABLE.'),
        extraLatencyNs: z.number().nonnegative().default(0).describe('Extra QGS latency on top of the cost model quoteGenerationNs, ns (a slow service).'),
        neverAnswers: z.boolean().default(false).describe('The QGS never answers: QEMU’s 30 s transaction timeout writes ERROR.'),
        padQuoteTo: z.number().int().positive().nullable().default(null).describe('Pad each quote with zeros to this size, as the real QGS pads to its reserved size (e.g. 5006); null: no padding.'),
        lieOutLen: z.number().int().nonnegative().nullable().default(null).describe('Hostile host: the out_len written at completion, whatever the quote size; null: the truth.'),
        lieStatus: z.enum(['SUCCESS', 'IN_FLIGHT', 'ERROR', 'SERVICE_UNAVAILABLE']).nullable().default(null).describe('Hostile host: the status written at completion; null: the truth.'),
      })
      .strict()
      .prefault({})
      .describe('The host quote service (QEMU + QGS): unavailable, slow, never answering, or lying (docs/architecture.md "faults and adversary").'),
  })
  .strict();

export type FaultsConfig = z.output<typeof faultsSchema>;
