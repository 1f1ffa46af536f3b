/** Limits an experiment point must keep (one line naming the key and the allowed range; docs/results-format.md). */
import type { Experiment } from './experiment-schema.js';
import { ExperimentError } from './matrix.js';
import { formatSize } from './size.js';
import type { SizeDistribution } from './workload-schema.js';

/** Requests one run may issue (clients × requests): memory stays flat, but time does not. */
export const MAX_REQUESTS_PER_RUN = 10_000_000;
/** Runs one experiment may hold (points × strategies × seeds). */
export const MAX_RUNS = 100_000;
/** Largest buffer one request may use: 1 GiB, and at most a quarter of guest RAM. */
export const MAX_BUFFER_BYTES = 2 ** 30;
/** Status polls one quote may take before its timeout (timeoutMs / pollIntervalMs): each is a modeled event. */
export const MAX_POLLS_PER_QUOTE = 1_000_000;

/** The largest size a workload's `bytes` asks for. */
export function maxBytesOf(bytes: number | SizeDistribution): number {
  if (typeof bytes === 'number') return bytes;
  if (bytes.kind === 'choice') return Math.max(...bytes.values);
  return bytes.max;
}

/** Check one point (its `bytes` already a single size or a distribution); `at` says which point in the message. */
export function checkLimits(exp: Experiment, file: string, at = ''): void {
  const fail = (key: string, msg: string) => {
    throw new ExperimentError(`${file}: ${key}: ${msg}${at ? ` (at matrix point ${at})` : ''}`);
  };
  const w = exp.workload;
  if (w.clients * w.requests > MAX_REQUESTS_PER_RUN)
    fail('workload.requests', `clients × requests = ${w.clients} × ${w.requests} = ${w.clients * w.requests}; at most ${MAX_REQUESTS_PER_RUN} per run`);
  const bytes = w.bytes;
  if (Array.isArray(bytes)) throw new Error('checkLimits: bytes must be applied per point first');
  const cap = Math.min(MAX_BUFFER_BYTES, exp.platform.memoryBytes / 4);
  const max = maxBytesOf(bytes);
  if (max > cap)
    fail('workload.bytes', `${formatSize(max)} per buffer; a ${formatSize(exp.platform.memoryBytes)} guest serves 1 B to ${formatSize(cap)} (a quarter of platform.memoryBytes, at most 1 GiB)`);
  if (typeof bytes === 'object') {
    if (w.kind === 'quote') fail('workload.bytes', "the quote workload takes one size (the driver's bufferBytes), not a distribution");
    if (bytes.kind === 'uniform' && bytes.min > bytes.max) fail('workload.bytes.min', `${bytes.min} is more than max ${bytes.max}`);
    if (bytes.kind === 'lognormal' && bytes.median > bytes.max) fail('workload.bytes.median', `${bytes.median} is more than max ${bytes.max}`);
    if (bytes.kind === 'choice' && bytes.weights && bytes.weights.length !== bytes.values.length)
      fail('workload.bytes.weights', `${bytes.weights.length} weights for ${bytes.values.length} values; give one per value`);
  } else if (w.kind === 'quote' && bytes % 4096 !== 0) fail('workload.bytes', `${bytes} is not a multiple of 4096: the quote buffer is whole pages (QEMU answers ALIGN_ERROR otherwise)`);
  if (w.kind === 'quote' && w.driver.completion === 'poll') {
    const polls = w.driver.timeoutMs / w.driver.pollIntervalMs;
    if (w.driver.pollIntervalMs < 0.001 || polls > MAX_POLLS_PER_QUOTE)
      fail(
        'workload.driver.pollIntervalMs',
        `${w.driver.pollIntervalMs} ms polls ${Math.ceil(polls)} times in the ${w.driver.timeoutMs} ms timeout; use at least 0.001 ms and at most ${MAX_POLLS_PER_QUOTE} polls per timeout`,
      );
  }
  if (w.arrival.kind === 'poisson' && w.arrival.ratePerSec / w.clients < 1e-6)
    fail('workload.arrival.ratePerSec', `${w.arrival.ratePerSec}/s over ${w.clients} clients is less than one arrival per 10⁶ s per client; use 1e-6 × clients to 1e9`);
}
