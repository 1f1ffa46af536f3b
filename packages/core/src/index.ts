// The contract: what a strategy implements and what it may call.
export * from './contract/errors.js';
export * from './contract/strategy.js';
export type { Kernel, DmaApi, GfpOptions, ZoneName, DmaDirection } from './contract/kernel.js';
export { createSharedBuffer, type SharedBufferSpec } from './contract/shared-buffer.js';
export {
  loadStrategy,
  checkCapabilities,
  instantiate,
  FIRST_PARTY_STRATEGIES,
  type StrategySpec,
  type StrategyRequirements,
  type LoadedStrategy,
  type LoadStrategyOptions,
} from './contract/loader.js';
// The ABI and units both sides share.
export * from './abi/units.js';
export { TDCALL, TDVMCALL, TDVMCALL_STATUS, TDX_STATUS, TDX_REPORTDATA_LEN, TDX_REPORT_LEN, FIRST_EXTERNAL_VECTOR, NR_VECTORS, type AcceptLevel, type MapGpaResult } from './abi/tdcall.js';
// Configuration of the modeled platform.
export { costParamsSchema, defaultCostParams, type CostParams, type CostParamsInput } from './platform/cost.js';
export { COST_PARAM_META, type CostParamMeta, type CostParamRange, type CostConfidence } from './platform/cost-meta.js';
export { platformSchema, MAX_MEMORY_BYTES, type PlatformConfig, type PlatformConfigInput } from './platform/config.js';
export {
  bootConvertersSchema,
  fragmentationSchema,
  kernelSectionsSchema,
  virtioDeviceSchema,
  type FragmentationConfig,
  type KernelSectionsConfig,
  type VirtioDeviceConfig,
} from './platform/boot-state.js';
export { faultsSchema, MAX_QUOTE_PAYLOAD, type FaultsConfig } from './platform/faults.js';
export { boundedNumber, pageBytes, probability, rangeText, HOUR_NS, type NumberBounds } from './platform/bounds.js';
export { measurementsSchema, platformSecrets, tdMeasurements, type MeasurementsConfig } from './platform/measurements.js';
// The machine: boot, observation and fault API.
export { bootMachine, bootWithStrategy, type BootOptions, type Booted, type StrategyToBoot } from './boot.js';
export { Machine, kernelFor, type HostView, type FaultHooks, type PageInfo, type DriverInvariant } from './model/machine.js';
export { PAGE_CLASSES, type PageAudit, type PageClass, type LostPages } from './model/audit.js';
export { Scheduler, WaitQueue, type Task, type TaskKind, type Phase } from './model/sim/scheduler.js';
export { newCounters, chargedNs, GAUGES, PHASE_COUNTERS, type Counters, type CounterName, type PhaseCounter } from './model/sim/metrics.js';
export type { FragmentationCost } from './model/guest/mm/fragmentation.js';
export { INVARIANTS, type InvariantId, type Violation } from './model/sim/invariants.js';
export { Trace, HOST_TID, type TraceEvent } from './model/sim/trace.js';
export { PageState, Owner, OWNER_NAMES, STATE_NAMES, type RamRange } from './model/memory/phys-mem.js';
export { swiotlbDefaultBytes, swiotlbGeometry, IO_TLB_SIZE, IO_TLB_SEGSIZE, SWIOTLB_MAX_MAPPING } from './model/guest/dma/swiotlb.js';
export type { MapGpaFault } from './model/host/kvm/map-gpa-handler.js';
export { simulatedQuoteServiceFor, GET_QUOTE_MAX_BUF_LEN, MAX_GET_QUOTE_REQUESTS, QGS_TRANSACTION_TIMEOUT_NS, type QuoteHostFaults } from './model/host/qemu/get-quote.js';
