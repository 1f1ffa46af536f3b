import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, kernelFor, loadStrategy, Machine, type Counters, type Kernel, type LoadedStrategy, type Result, type SharedBufferAllocator } from '@tdx-shbuf/core';
import type { Config } from './config/schema.js';
import { TdxGuestDriver } from './driver/tdx-guest.js';
import { createTsmReport, type TsmReport } from './driver/tsm.js';

/** The quote-driver package's folder: short strategy names always resolve from here. */
export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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

/** Load the strategy (capability-checked against the driver policy), boot the TD, init the driver. Throws ConfigError for configuration problems. */
export async function bootTd(config: Config, opts: BootTdOptions): Promise<Td> {
  const d = config.driver;
  let strategy: LoadedStrategy;
  try {
    strategy = await loadStrategy(config.strategy, {
      fromDir: opts.configDir,
      fallbackDirs: [APP_DIR],
      ...(opts.conditions ? { conditions: opts.conditions } : {}),
      requirements: { concurrent: d.requests === 'parallel', bytes: d.bufferBytes, deviceAvailable: true },
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`strategy: ${e.message}`, { cause: e });
    throw e;
  }
  let machine: Machine;
  try {
    machine = new Machine(config.platform);
  } catch (e) {
    throw new ConfigError(`platform: ${(e as Error).message.replace(/^platform\./, '')}`, { cause: e });
  }
  const kernel = kernelFor(machine);
  const bootCounters = { ...machine.counters };
  const allocator = strategy.definition.create(kernel, strategy.options);
  const driver = new TdxGuestDriver(machine, kernel, allocator, strategy.capabilities, d);
  const onVcpu = async <T>(cpu: number, fn: () => Promise<T>): Promise<T> => {
    const [r] = await machine.sched.join([machine.sched.spawn(`vcpu${cpu}`, 'vcpu', cpu, fn)]);
    return r as T;
  };
  const init = await onVcpu(0, () => driver.init());
  if (!init.ok) throw new Error(`tdx_guest_init failed: ${init.error.message}`, { cause: init.error });
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
      return machine.quoteHost.rootCaPem;
    },
  };
}
