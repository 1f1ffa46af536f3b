/** The two workloads' per-request work on a booted model: buffer-cycle and the tdx-guest quote flow. */
import { BootError, ConfigError, bootWithStrategy, type Machine, type PlatformConfigInput, type StrategyCapabilities, type StrategySpec } from '@tdx-shbuf/core';
import { parseQuote } from '@tdx-shbuf/tdx-formats';
import { ConfigValidationError, parseConfig } from '../config/config-schema.js';
import { bootTd, loadAppStrategy, type Td } from '../td.js';
import type { Workload } from './workload-schema.js';
import { equal, fillPattern, pattern } from './pattern.js';

/** What a run needs from its workload: a booted model, one request, and the way to stop. */
export interface Session {
  m: Machine;
  meta: { name: string; version: string };
  options: unknown;
  capabilities: StrategyCapabilities;
  /** Host service time per request, ns (for the overhead column). */
  serviceNs: number;
  /** Request `i` of client `c`, of `bytes` bytes; returns the errno names of what went wrong (empty: fine). */
  request(c: number, i: number, bytes: number): Promise<string[]>;
  close(): Promise<string[]>;
}

/** Where strategies resolve from. */
export interface LoadFrom {
  fromDir: string;
  conditions?: readonly string[] | undefined;
}

/** A ConfigError that only says the strategy cannot serve this workload (code `capability`): the run is n/a, not an error. */
const notApplicable = (e: unknown): e is ConfigError => e instanceof ConfigError && e.code === 'capability';

/** buffer-cycle: alloc → guest writes → host reads and answers after the service time → guest reads → free. Returns the n/a reason when the strategy cannot serve it. */
export async function openBufferCycle(w: Workload, spec: StrategySpec, maxBytes: number, seed: number, platform: PlatformConfigInput, from: LoadFrom): Promise<Session | string> {
  const requirements = { concurrent: w.clients > 1, bytes: maxBytes, deviceAvailable: true };
  let loaded: Awaited<ReturnType<typeof loadAppStrategy>>;
  try {
    loaded = await loadAppStrategy(spec, from.fromDir, requirements, from.conditions);
  } catch (e) {
    if (notApplicable(e)) return e.message;
    throw e;
  }
  const def = loaded.definition;
  const { machine: m, allocator } = bootWithStrategy({ platform, strategy: loaded, requirements });
  const init = await allocator.init();
  if (!init.ok) throw new BootError('init', init.error, init.error.message);
  const serviceNs = w.hostServiceNs ?? m.cost.quoteGenerationNs;
  // Each client's request and answer bytes, refilled per request (a client's requests run one after another).
  const scratch: { request: Uint8Array; answer: Uint8Array }[] = [];
  return {
    m,
    meta: { name: def.meta.name, version: def.meta.version },
    options: loaded.options,
    capabilities: loaded.capabilities,
    serviceNs,
    async request(c, i, bytes) {
      const errs: string[] = [];
      const got = await allocator.alloc(bytes);
      if (!got.ok) return [got.error.code];
      const b = got.value;
      let own = scratch[c];
      if (!own || own.request.length < bytes) own = scratch[c] = { request: new Uint8Array(Math.max(bytes, maxBytes)), answer: new Uint8Array(Math.max(bytes, maxBytes)) };
      const request = fillPattern(own.request.subarray(0, bytes), seed, c, i);
      const answer = fillPattern(own.answer.subarray(0, bytes), seed + 1, c, i);
      if (!b.write(0, request).ok || !b.syncForDevice(0, bytes).ok) errs.push('EFAULT');
      await m.sched.sleep(serviceNs);
      // The host reads the request and writes its answer through the shared GPAs.
      let off = 0;
      for (const g of b.sharedGpas) {
        const n = Math.min(g.bytes, bytes - off);
        if (n <= 0) break;
        const seen = m.host.readShared(g.gpa, n);
        if (!seen || !equal(seen, request.subarray(off, off + n))) errs.push('EDATA');
        m.host.writeShared(g.gpa, answer.subarray(off, off + n));
        off += n;
      }
      const back = b.syncForCpu(0, bytes).ok ? b.read(0, bytes) : undefined;
      if (!back?.ok || !equal(back.value, answer)) errs.push('EDATA');
      const freed = await allocator.free(b);
      if (!freed.ok) errs.push(freed.error.code);
      return errs;
    },
    async close() {
      const r = await allocator.shutdown();
      return r.ok ? [] : [r.error.code];
    },
  };
}

/** quote: the tdx-guest driver's GetQuote flow on the model, one quote per request, checked to carry its REPORTDATA. */
export async function openQuote(w: Workload, spec: StrategySpec, bytes: number, seed: number, platform: PlatformConfigInput, from: LoadFrom): Promise<Session | string> {
  let td: Td;
  try {
    const config = parseConfig({ strategy: spec, platform, driver: { ...w.driver, bufferBytes: bytes } });
    td = await bootTd(config, { configDir: from.fromDir, ...(from.conditions ? { conditions: from.conditions } : {}) });
  } catch (e) {
    // bootTd prefixes "strategy: "; the n/a reason is the capability sentence itself.
    if (notApplicable(e)) return e.cause instanceof ConfigError ? e.cause.message : e.message;
    if (e instanceof ConfigValidationError) return e.message;
    throw e;
  }
  const m = td.machine;
  const def = td.strategy.definition;
  return {
    m,
    meta: { name: def.meta.name, version: def.meta.version },
    options: td.strategy.options,
    capabilities: td.strategy.capabilities,
    serviceNs: m.cost.quoteGenerationNs + m.config.faults.quoteService.extraLatencyNs,
    async request(c, i) {
      const reportData = pattern(seed * 7919, c, i, 64);
      const r = await td.driver.getQuote(reportData);
      if (!r.ok) return [r.error.code];
      try {
        const q = parseQuote(r.value);
        return equal(q.body.reportData, reportData) ? [] : ['EDATA'];
      } catch {
        return ['EDATA'];
      }
    },
    async close() {
      const r = await td.driver.shutdown();
      return r.ok ? [] : [r.error.code];
    },
  };
}
