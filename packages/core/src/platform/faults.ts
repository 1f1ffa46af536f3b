import { z } from 'zod';
import { boundedNumber, HOUR_NS, probability } from './bounds.js';

const rate = (what: string) => probability().default(0).describe(what);
/** The payload of the largest buffer QEMU takes (TDX_GET_QUOTE_MAX_BUF_LEN 128 KiB) after the 24-byte tdx_quote_buf header. */
export const MAX_QUOTE_PAYLOAD = 128 * 1024 - 24;

/**
 * A seeded fault plan (docs/architecture.md "faults and adversary"): each knob is the
 * probability that one operation misbehaves. All zero by default; the same
 * seed gives the same faults, so a run is reproducible bit for bit.
 */
export const faultsSchema = z
  .object({
    seed: boundedNumber({ min: 0, max: 2 ** 32 - 1, int: true })
      .default(1)
      .describe('Seed of the fault plan’s random stream.'),
    mapGpaInterruptRate: rate('After each 2 MiB MapGPA chunk, probability that an interrupt is pending, so KVM answers RETRY with the next GPA (tdx_complete_vmcall_map_gpa).'),
    mapGpaNoProgressRate: rate('Probability that a MapGPA hypercall is answered RETRY without progress (a broken or hostile host); 3 in a row make tdx_map_gpa give up.'),
    mapGpaOutOfRangeRate: rate('Probability that a MapGPA RETRY carries a GPA outside [start, end) (a hostile host); tdx_map_gpa rejects it.'),
    mapGpaFailRate: rate('Probability that a MapGPA hypercall fails with INVALID_OPERAND (the host refuses the conversion): set_memory_* return -EIO.'),
    acceptFailRate: rate(
      "Probability that TDG.MEM.PAGE.ACCEPT of a page the host is handing back from shared fails (the host never AUGs it): tdx_accept_memory fails, the conversion back to private fails. Unaccepted memory's first accept is not subject to it (a failure there panics the TD in arch_accept_memory).",
    ),
    enomemRate: rate('Probability that a page allocation fails as if memory were exhausted (alloc_pages returns NULL).'),
    quoteService: z
      .object({
        serviceConfigured: z.boolean().default(true).describe('false: QEMU started without quote-generation-socket; GetQuote writes SERVICE_UNAVAILABLE at once.'),
        serviceUnavailable: z.boolean().default(false).describe('Connecting to the QGS fails: the request completes with SERVICE_UNAVAILABLE.'),
        extraLatencyNs: boundedNumber({ min: 0, max: HOUR_NS, unit: 'ns' })
          .default(0)
          .describe("Extra QGS latency on top of the cost model quoteGenerationNs, ns, at most an hour (a slow service; past QEMU's 30 s transaction timeout the request completes with ERROR)."),
        neverAnswers: z.boolean().default(false).describe('The QGS never answers: QEMU’s 30 s transaction timeout writes ERROR.'),
        padQuoteTo: boundedNumber({ min: 1, max: MAX_QUOTE_PAYLOAD, int: true, unit: 'bytes' })
          .nullable()
          .default(null)
          .describe(
            "Pad each quote with zeros to this size, as the real QGS pads to its reserved size (e.g. 5006), at most 131048 (a 128 KiB buffer less its 24-byte header); a padded quote larger than the request's buffer completes with ERROR. null: no padding.",
          ),
        lieOutLen: boundedNumber({ min: 0, max: 2 ** 32 - 1, int: true, unit: 'bytes' })
          .nullable()
          .default(null)
          .describe('Hostile host: the out_len (a u32) written at completion, whatever the quote size; null: the truth.'),
        lieStatus: z.enum(['SUCCESS', 'IN_FLIGHT', 'ERROR', 'SERVICE_UNAVAILABLE']).nullable().default(null).describe('Hostile host: the status written at completion; null: the truth.'),
        lieRate: probability().default(1).describe('Hostile host: probability that a request carries the lies above (lieOutLen, lieStatus); 1: every request.'),
        rewriteDuringCopyOutRate: rate(
          "Hostile host: probability that, once a request is complete, a host thread keeps rewriting the buffer while the guest copies the quote out — each guest fetch of out_len sees the true length or the whole buffer in turn, and the quote's REPORTDATA reads flipped (a double fetch: v6.7 reads out_len twice; v7.0 once, but no driver protects the quote's bytes — only its signature does).",
        ),
        flipToInFlightRate: rate(
          "Hostile host: probability that the host writes status IN_FLIGHT back into a completed request's buffer, flipToInFlightAfterNs after completing it (lost if the guest made the buffer private again); a polling guest that has not looked yet times out, and the driver refuses a buffer that reads IN_FLIGHT.",
        ),
        flipToInFlightAfterNs: boundedNumber({ min: 0, max: HOUR_NS, unit: 'ns' })
          .default(1e6)
          .describe('When the flip to IN_FLIGHT comes after completion, ns (default 1 ms: before a 1 s poll looks, after an interrupt-driven guest has copied the quote).'),
        lateCompletionRate: rate(
          "Hostile host: probability that the host holds a request's answer for lateCompletionNs, ignoring QEMU's 30 s transaction timeout, and then completes it with SUCCESS — a write after the guest gave up, into a buffer the driver must still hold (invariant 4).",
        ),
        lateCompletionNs: boundedNumber({ min: 0, max: HOUR_NS, unit: 'ns' }).default(60e9).describe("How long a late completion is held, ns (default 60 s: past the driver's 30 s timeout)."),
      })
      .strict()
      .prefault({})
      .describe('The host quote service (QEMU + QGS): unavailable, slow, never answering, or lying (docs/architecture.md "faults and adversary").'),
  })
  .strict();

export type FaultsConfig = z.output<typeof faultsSchema>;
