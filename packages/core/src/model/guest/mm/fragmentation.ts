import type { CostParams } from '../../../platform/cost.js';
import type { FragmentationConfig } from '../../../platform/boot-state.js';

/** The steady-state cost of the direct-map fragmentation a run left behind (docs/model.md §8). */
export interface FragmentationCost {
  /** Seconds of guest uptime the cost covers (platform.fragmentation.horizonS). */
  readonly horizonS: number;
  /** Throughput the guest workload loses to the pages the run moved from 1G to 2M/4K mappings, as a fraction. */
  readonly lossFraction: number;
  /** That loss as CPU time over the horizon on busyVcpuShare of the vCPUs, ns. */
  readonly costNs: number;
}

/**
 * Direct-map splits are never undone (docs/model.md §3), so a run's splits
 * tax every later memory access of the guest's own workload. A workload whose
 * accesses spread over RAM loses directMap4kThroughputLoss of its throughput
 * on memory mapped at 4 KiB and directMap2mThroughputLoss at 2 MiB, relative
 * to 1 GiB (Song Liu 2022; Xing Zhengjun 2021; docs/model.md §8). The cost is
 * the loss added since boot — `now` minus `boot`, direct_pages_count[] by
 * level — over the horizon, charged as CPU time: a separate figure, never part
 * of a request's overhead.
 */
export function fragmentationCost(now: readonly number[], boot: readonly number[], cost: CostParams, f: FragmentationConfig, vcpus: number): FragmentationCost {
  const mapped = now.reduce((a, b) => a + b, 0);
  const weight = (pages: readonly number[]) => cost.directMap4kThroughputLoss * pages[0]! + cost.directMap2mThroughputLoss * pages[1]!;
  const lossFraction = mapped > 0 ? Math.max(0, weight(now) - weight(boot)) / mapped : 0;
  return { horizonS: f.horizonS, lossFraction, costNs: lossFraction * f.horizonS * 1e9 * vcpus * f.busyVcpuShare };
}
