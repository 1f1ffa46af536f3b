import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BootError,
  bootWithStrategy,
  ConfigError,
  loadStrategy,
  type Counters,
  type Kernel,
  type LoadedStrategy,
  type Machine,
  type PlatformConfigInput,
  type Result,
  type SharedBufferAllocator,
  type StrategyRequirements,
  type StrategySpec,
} from '@tdx-shbuf/core';
import type { Config } from './config/config-schema.js';
import { TdxGuestDriver } from './driver/tdx-guest.js';
import { createTsmReport, type TsmReport } from './driver/tsm.js';

/** The quote-driver package's folder: short strategy names always resolve from here. */
export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Load a configured strategy the way the CLI does: from the config (or
 * experiment) file's folder, then from the driver's own, capability-checked
 * against `requirements`. Throws core's ConfigError.
 */
export function loadAppStrategy(spec: StrategySpec, fromDir: string, requirements: StrategyRequirements, conditions?: readonly string[]): Promise<LoadedStrategy> {
  return loadStrategy(spec, { fromDir, fallbackDirs: [APP_DIR], ...(conditions ? { conditions } : {}), requirements });
}

/** A booted modeled TD with the configured strategy and quote driver loaded. */
export interface Td {
  readonly machine: Machine;
  readonly kernel: Kernel;
  readonly strategy: LoadedStrategy;
  readonly allocator: SharedBufferAllocator;
  readonly driver: TdxGuestDriver;
  /** Counters at the end of boot (before the driver's init). */
  readonly bootCounters: Readonly<Counters>;
  /** mkdir /sys/kernel/config/tsm/report/X: a report whose outblob runs on vCPU `cpu`. */
  createReport(cpu?: number): TsmReport;
  /** Run `fn` as a task on vCPU `cpu` and wait for it (driving the model's scheduler). */
  onVcpu<T>(cpu: number, fn: () => Promise<T>): Promise<T>;
  /** PEM of the simulated root CA the platform's quotes chain to. */
  readonly rootCaPem: string;
}

/** Options of {@link bootTd}. */
export interface BootTdOptions {
  /** The config file's folder (strategy names resolve from here first). */
  configDir: string;
  /** package.json export conditions for the strategy (default: core's). */
  conditions?: readonly string[];
}

/**
 * Load the strategy (capability-checked against the driver policy), boot the TD
 * through core's bootWithStrategy with the allocator created for the driver's
 * bufferBytes, init the driver. Throws ConfigError (its `code` says which
 * kind) for configuration problems and BootError `driver-init` when
 * tdx_guest_init fails.
 */
export async function bootTd(config: Config, opts: BootTdOptions): Promise<Td> {
  const d = config.driver;
  const requirements = { concurrent: d.requests === 'parallel', bytes: d.bufferBytes, deviceAvailable: true };
  let strategy: LoadedStrategy;
  try {
    strategy = await loadAppStrategy(config.strategy, opts.configDir, requirements, opts.conditions);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`strategy: ${e.message}`, { cause: e, code: e.code });
    throw e;
  }
  const { machine, kernel, allocator, bootCounters } = bootWithStrategy({ platform: config.platform as PlatformConfigInput, strategy, requirements });
  const driver = new TdxGuestDriver(machine, kernel, allocator, strategy.capabilities, d);
  const onVcpu = async <T>(cpu: number, fn: () => Promise<T>): Promise<T> => {
    const [r] = await machine.sched.join([machine.sched.spawn(`vcpu${cpu}`, 'vcpu', cpu, fn)]);
    return r as T;
  };
  const init = await onVcpu(0, () => driver.init());
  if (!init.ok) throw new BootError('driver-init', init.error, `tdx_guest_init failed: ${init.error.message}`);
  return {
    machine,
    kernel,
    strategy,
    allocator,
    driver,
    bootCounters,
    onVcpu,
    createReport: (cpu = 0) => createTsmReport('tdx_guest', (inblob): Promise<Result<Uint8Array>> => onVcpu(cpu % machine.config.vcpus, () => driver.getQuote(inblob))),
    get rootCaPem() {
      return machine.host.quote.rootCaPem;
    },
  };
}
