import { ConfigError } from './contract/errors.js';
import { checkCapabilities, instantiate, type LoadedStrategy, type StrategyRequirements } from './contract/loader.js';
import type { AllocatorRequirements, SharedBufferAllocator, StrategyDefinition } from './contract/strategy.js';
import type { Kernel } from './contract/kernel.js';
import { platformSchema, type PlatformConfigInput } from './platform/config.js';
import { Machine } from './model/machine.js';
import type { Counters } from './model/sim/metrics.js';

/**
 * Validate the platform and boot a machine. A platform that does not validate
 * or cannot boot is a ConfigError with code `platform` and a one-line
 * `platform.<key>: …` message.
 */
export function bootMachine(platform: PlatformConfigInput = {}): Machine {
  const parsed = platformSchema.safeParse(platform);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`platform.${issue.path.join('.')}: ${issue.message.split('\n')[0]}`, { cause: parsed.error, code: 'platform' });
  }
  return new Machine(parsed.data);
}

/** A strategy to boot with: what loadStrategy() returned, or a definition and raw options (validated here). */
export type StrategyToBoot = Omit<LoadedStrategy, 'entry'> | { readonly definition: StrategyDefinition; readonly options?: unknown; readonly name?: string };

export interface BootOptions {
  platform?: PlatformConfigInput;
  strategy: StrategyToBoot;
  /** What the allocator must serve: `bytes` becomes `requirements.bytes` of `create`. */
  requirements: StrategyRequirements & { readonly bytes: number };
  /** Wrap the Kernel the strategy receives (a test rig recording which entry points it calls). */
  wrapKernel?: (kernel: Kernel) => Kernel;
}

/** A booted machine with one allocator created on it (not yet initialised). */
export interface Booted {
  readonly machine: Machine;
  readonly kernel: Kernel;
  readonly strategy: Omit<LoadedStrategy, 'entry'>;
  readonly allocator: SharedBufferAllocator;
  readonly requirements: AllocatorRequirements;
  /** Counters when boot finished (before the allocator's init). */
  readonly bootCounters: Readonly<Counters>;
}

/**
 * The one boot path (the CLI's quote and run, the conformance rig and the
 * cost signatures all use it): check the strategy's capabilities against the
 * requirements, validate and boot the platform, and create the allocator with
 * those requirements. Throws ConfigError (codes `bad-options`, `capability`,
 * `platform`); the allocator's init() is the caller's next step.
 */
export function bootWithStrategy(opts: BootOptions): Booted {
  const given = opts.strategy;
  let strategy: ReturnType<typeof instantiate>;
  if ('capabilities' in given && 'name' in given) {
    checkCapabilities(given.name, given.capabilities, opts.requirements);
    strategy = given;
  } else strategy = instantiate(given.name ?? given.definition.meta.name, given.definition, given.options, opts.requirements);
  const machine = bootMachine(opts.platform);
  const requirements: AllocatorRequirements = { bytes: opts.requirements.bytes, concurrent: opts.requirements.concurrent ?? false };
  const kernel = opts.wrapKernel ? opts.wrapKernel(machine.kernel) : machine.kernel;
  const allocator = strategy.definition.create(kernel, strategy.options, requirements);
  return { machine, kernel, strategy, allocator, requirements, bootCounters: machine.bootCounters };
}
