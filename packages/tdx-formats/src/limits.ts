/**
 * Size bounds on untrusted attestation input. A quote comes from the host,
 * which a TD does not trust, and reaches a verifier from anyone; these bounds
 * keep a parser's work and memory proportional to what a real quote can be.
 */
import { QUOTE_BUF_HEADER_SIZE } from './quote-buf.js';

/**
 * GetQuote shared buffer limit: QEMU's `tdx_handle_get_quote` refuses a buffer
 * over TDX_GET_QUOTE_MAX_BUF_LEN (128 KiB), and the v7.0 tdx-guest driver's
 * GET_QUOTE_BUF_SIZE is 128 KiB (docs/model.md §5–§6).
 */
export const GET_QUOTE_MAX_BUF_LEN = 128 * 1024;

/**
 * Largest quote accepted (131,048 bytes): the quote sits after the 24-byte
 * `tdx_quote_buf` header in that buffer, so a larger one cannot have come
 * from the driver. Trailing bytes count against it (QGS pads inside the same
 * buffer), and so does the certification data: `sig_data_len` is refused when
 * it exceeds what is left of this bound after the header and body.
 */
export const QUOTE_MAX_SIZE = GET_QUOTE_MAX_BUF_LEN - QUOTE_BUF_HEADER_SIZE;

/** A PCK certificate chain is exactly PCK leaf, intermediate (PCK Platform/Processor CA), root (go-tdx-guest `extractChainFromQuote`). */
export const PCK_CHAIN_LENGTH = 3;
