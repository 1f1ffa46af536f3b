import type { z } from 'zod';
import type { Result } from './errors.js';
import type { Kernel } from './kernel.js';

/** Identity of a strategy package, recorded with every result. */
export interface StrategyMeta {
  /** npm package name, e.g. `@tdx-shbuf/strategy-direct-map`. */
  readonly name: string;
  /** Package version. */
  readonly version: string;
  /** One sentence: which kernel approach this models. */
  readonly description?: string;
}

/** Declared, never inferred (docs/contributing.md §3). Undeclared means unsupported. */
export interface StrategyCapabilities {
  /** Largest buffer `alloc` serves, in bytes. */
  readonly maxBytes: number;
  /** Whether several buffers may be live at once. */
  readonly concurrent: boolean;
  /** Whether it needs a DMA device (`kernel.dma`). */
  readonly needsDevice: boolean;
  /** When it changes the direct map's encryption attribute. */
  readonly touchesDirectMap: 'never' | 'init' | 'per-alloc';
  /** Whether a private (direct-map) alias stays mapped while a page is shared. */
  readonly privateAliasWhileShared: boolean;
}

/** A host-shared buffer handed out by a strategy. */
export interface SharedBuffer {
  /** Model-unique id. */
  readonly id: number;
  /** Guest kernel virtual address the driver uses (model address; see `x86Address`). */
  readonly kva: number;
  /** Usable bytes (at least what was asked for). */
  readonly bytes: number;
  /**
   * Guest-physical ranges the host sees, shared bit set, in buffer order. A
   * buffer mapped for the device only when first synced (streaming DMA) is
   * mapped by the first read of this, if no syncForDevice came before.
   */
  readonly sharedGpas: readonly { readonly gpa: number; readonly bytes: number }[];
  /** Guest-side read through `kva` (the model checks the mapping). */
  read(offset: number, length: number): Result<Uint8Array>;
  /** Guest-side write through `kva`. */
  write(offset: number, data: Uint8Array): Result<void>;
  /** dma_sync_single_for_device: make guest writes visible to the host (bounce strategies copy). */
  syncForDevice(offset: number, length: number): Result<void>;
  /** dma_sync_single_for_cpu: make host writes visible to the guest (bounce strategies copy). */
  syncForCpu(offset: number, length: number): Result<void>;
}

/** The contract every strategy implements. */
export interface SharedBufferAllocator {
  /** Driver-load-time work (e.g. a buffer converted once). */
  init(): Promise<Result<void>>;
  /** A buffer of at least `bytes`, or ENOMEM / EINVAL / EIO. */
  alloc(bytes: number): Promise<Result<SharedBuffer>>;
  /** Return a buffer; pages that cannot be made private again are leaked, not freed. */
  free(buffer: SharedBuffer): Promise<Result<void>>;
  /** Undo `init`; afterwards no shared page remains except counted leaks. */
  shutdown(): Promise<Result<void>>;
}

/**
 * What the consumer asks of one allocator, passed to `create`: the size its
 * buffers must hold (the driver's buffer size, e.g. GET_QUOTE_BUF_SIZE, or a
 * workload's request size) and whether several are live at once. Checked
 * against the declared capabilities before `create` is called.
 */
export interface AllocatorRequirements {
  /** Bytes one buffer must hold: `alloc` is called with at most this. */
  readonly bytes: number;
  /** Several buffers live at once (parallel requests). */
  readonly concurrent: boolean;
}

/** What a strategy package default-exports. */
export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: 'tdx-shbuf-strategy';
  readonly meta: StrategyMeta;
  /** Capabilities, possibly depending on validated options. */
  readonly capabilities: StrategyCapabilities | ((options: z.output<S>) => StrategyCapabilities);
  /** zod schema of the options, every key with a default. */
  readonly options: S;
  /** Build an allocator on a booted kernel, for buffers of `requirements.bytes` (no platform work here: that belongs in `init`). */
  create(kernel: Kernel, options: z.output<S>, requirements: AllocatorRequirements): SharedBufferAllocator;
}

/** Define a strategy: `export default defineStrategy({ meta, capabilities, options, create })`. */
export function defineStrategy<S extends z.ZodType>(def: Omit<StrategyDefinition<S>, 'kind'>): StrategyDefinition<S> {
  return { kind: 'tdx-shbuf-strategy', ...def };
}

/** Capabilities for validated options. */
export function capabilitiesOf<S extends z.ZodType>(def: StrategyDefinition<S>, options: z.output<S>): StrategyCapabilities {
  return typeof def.capabilities === 'function' ? def.capabilities(options) : def.capabilities;
}
