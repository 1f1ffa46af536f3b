/**
 * Strategy-level model-based test: random sequences of alloc, free, guest and
 * host reads and writes, host scribbles on shared memory nobody holds, sleeps,
 * and fault-plan changes (scripted MapGPA misbehaviour, failing allocations),
 * on a guest booted with a random seeded fault plan. The test keeps its own
 * model of the live buffers and what was written where; after every step the
 * machine is checked (harness.ts checkMachine) and so is the model: every live
 * buffer still shared and disjoint from the others, data written by one side
 * seen by the other.
 */
import fc from 'fast-check';
import { bootWithStrategy, type Machine, type SharedBuffer, type StrategySpec } from '@tdx-shbuf/core';
import { APP_DIR, loadAppStrategy } from '../../src/td.js';
import { checkMachine, count, sequenceOf, type Tally } from './harness.js';
import { faultCmdArbs, FaultScript, isFaultCmd, type FaultCmd } from './fault-commands.js';

export interface ModelStrategy {
  readonly label: string;
  readonly spec: StrategySpec;
}

/** Every first-party strategy and the variants its options select. */
export const MODEL_STRATEGIES: readonly ModelStrategy[] = [
  { label: 'direct-map', spec: 'direct-map' },
  { label: 'direct-map {convert: per-request}', spec: ['direct-map', { convert: 'per-request' }] },
  { label: 'vmap-noalias', spec: 'vmap-noalias' },
  { label: 'vmap-noalias {guardPage: true}', spec: ['vmap-noalias', { guardPage: true }] },
  { label: 'open-coded', spec: 'open-coded' },
  { label: 'open-coded {preallocateBytes: 16384}', spec: ['open-coded', { preallocateBytes: 16384 }] },
  { label: 'dma-swiotlb {mode: streaming}', spec: ['dma-swiotlb', { mode: 'streaming' }] },
  { label: 'dma-swiotlb {mode: coherent}', spec: ['dma-swiotlb', { mode: 'coherent' }] },
  { label: 'dma-swiotlb {mode: atomic}', spec: ['dma-swiotlb', { mode: 'atomic' }] },
  { label: 'shared-pool', spec: 'shared-pool' },
  { label: 'shared-pool {shrinkIdleMs: 0, initialBlocks: 0}', spec: ['shared-pool', { shrinkIdleMs: 0, initialBlocks: 0 }] },
];

/** A random seeded fault plan for one sequence (platform.faults). */
export const faultPlanArb = fc.record({
  seed: fc.nat({ max: 2 ** 32 - 1 }),
  mapGpaInterruptRate: fc.constantFrom(0, 0.5, 1),
  mapGpaNoProgressRate: fc.constantFrom(0, 0, 0.05),
  mapGpaOutOfRangeRate: fc.constantFrom(0, 0, 0.02),
  mapGpaFailRate: fc.constantFrom(0, 0, 0.02),
  acceptFailRate: fc.constantFrom(0, 0, 0.02),
  enomemRate: fc.constantFrom(0, 0, 0.01),
});

/** One step; numbers that pick a buffer or a place are reduced modulo what exists, so any shrunk sequence still runs. */
export type StrategyCmd =
  | { op: 'alloc'; bytes: number; large: boolean }
  | { op: 'free'; slot: number }
  | { op: 'guestWrite' | 'hostWrite'; slot: number; at: number; len: number; seed: number }
  | { op: 'guestRead'; slot: number; at: number; len: number }
  | { op: 'hostScribble'; pick: number; seed: number }
  | FaultCmd
  | { op: 'sleep'; ms: number };

const slot = fc.nat({ max: 15 });
const window = { slot, at: fc.nat({ max: 2 ** 22 }), len: fc.integer({ min: 1, max: 256 }) };
export const strategyCmdArb: fc.Arbitrary<StrategyCmd> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('alloc' as const), bytes: fc.integer({ min: 1, max: 2 ** 22 }), large: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('free' as const), slot }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('guestWrite' as const, 'hostWrite' as const), ...window, seed: fc.nat({ max: 255 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('guestRead' as const), ...window }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('hostScribble' as const), pick: fc.nat({ max: 63 }), seed: fc.nat({ max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sleep' as const), ms: fc.integer({ min: 1, max: 2000 }) }) },
  ...faultCmdArbs,
);

export const strategyInputArb = fc.record({ faults: faultPlanArb, cmds: sequenceOf(strategyCmdArb) });

/** A live buffer and what the test believes is in it: byte offset → value, for every byte either side wrote. */
interface Live {
  buf: SharedBuffer;
  bytes: number;
  known: Map<number, number>;
}

const pattern = (seed: number, len: number) => Uint8Array.from({ length: len }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff);
const ALLOC_ERRORS = new Set(['ENOMEM', 'EIO', 'EBUSY']);

/** [gpa, gpa + len) ranges of buffer window [off, off + len), from its shared GPAs in buffer order. */
function gpaPieces(b: SharedBuffer, off: number, len: number): { gpa: number; from: number; n: number }[] {
  const out: { gpa: number; from: number; n: number }[] = [];
  let base = 0;
  for (const g of b.sharedGpas) {
    const s = Math.max(off, base);
    const e = Math.min(off + len, base + g.bytes);
    if (s < e) out.push({ gpa: g.gpa + (s - base), from: s - off, n: e - s });
    base += g.bytes;
  }
  return out;
}

/** A strategy loaded once for its sequences, created for buffers up to 4 MiB (or its maxBytes). */
export interface PreparedStrategy {
  readonly label: string;
  readonly loaded: Awaited<ReturnType<typeof loadAppStrategy>>;
  readonly reqBytes: number;
}

export async function prepareStrategy(s: ModelStrategy): Promise<PreparedStrategy> {
  const probe = await loadAppStrategy(s.spec, APP_DIR, { bytes: 4096 });
  const reqBytes = Math.min(probe.capabilities.maxBytes, 4 * 2 ** 20);
  return { label: s.label, loaded: await loadAppStrategy(s.spec, APP_DIR, { bytes: reqBytes, concurrent: probe.capabilities.concurrent }), reqBytes };
}

/** Run one strategy sequence; throws (a property failure) on the first broken invariant or model mismatch. */
export async function runStrategySequence(p: PreparedStrategy, input: { faults: Record<string, number>; cmds: StrategyCmd[] }, tally: Tally): Promise<void> {
  const { faults, cmds } = input;
  const { loaded, reqBytes } = p;
  const { machine: m, allocator: a } = bootWithStrategy({
    platform: { memoryBytes: 2 ** 30, vcpus: 2, faults },
    strategy: loaded,
    requirements: { bytes: reqBytes, concurrent: loaded.capabilities.concurrent },
  });
  const onVcpu = async <T>(fn: () => Promise<T>): Promise<T> => (await m.sched.join([m.sched.spawn('vcpu0', 'vcpu', 0, fn)]))[0] as T;
  const boot = m.audit();
  // A fault plan may refuse the init-time conversion: the strategy must say so, leaking what it
  // cannot free; the module is loaded again, as an administrator would retry modprobe.
  for (let attempt = 1; ; attempt++) {
    const init = await onVcpu(() => a.init());
    checkMachine(m, `init #${attempt}`);
    if (init.ok) break;
    if (!ALLOC_ERRORS.has(init.error.code)) throw new Error(`init failed with ${init.error.code}: ${init.error.message}`);
    count(tally, `init ${init.error.code}`);
    if (attempt === 20) return;
  }
  const live: Live[] = [];
  const freed: { gpa: number; bytes: number }[] = [];
  const faultScript = new FaultScript(m);
  for (const [i, c] of cmds.entries()) {
    const where = `step ${i} ${JSON.stringify(c)}`;
    await onVcpu(() => step(c, where));
    tally.steps++;
    checkMachine(m, where);
    checkLive(m, live, where);
  }
  // Give everything back: what cannot be made private again is leaked, never lost.
  faultScript.clear();
  for (const l of live.splice(0)) await onVcpu(() => freeOne(l, 'final free'));
  const shut = await onVcpu(() => a.shutdown());
  if (!shut.ok && shut.error.code !== 'EIO') throw new Error(`shutdown failed with ${shut.error.code}: ${shut.error.message}`);
  checkMachine(m, 'shutdown');
  const d = m.sinceBoot();
  count(tally, 'leaked pages', d.leakedPages);
  expectNothingHeld(m, boot, d.pageTablePages, 'after shutdown');

  async function freeOne(l: Live, where: string): Promise<void> {
    const gpas = l.buf.sharedGpas.map((g) => ({ ...g }));
    const r = await a.free(l.buf);
    count(tally, r.ok ? 'free ok' : `free ${r.error.code}`);
    if (!r.ok && r.error.code !== 'EIO') throw new Error(`${where}: free failed with ${r.error.code}: ${r.error.message}`);
    freed.push(...gpas);
    if (freed.length > 64) freed.splice(0, freed.length - 64);
  }

  async function step(c: StrategyCmd, where: string): Promise<void> {
    const pick = (n: number) => live[n % live.length]!;
    switch (c.op) {
      case 'alloc': {
        if (live.length >= 12) return;
        const bytes = c.large ? 1 + (c.bytes % reqBytes) : 1 + (c.bytes % Math.min(reqBytes, 16384));
        const r = await a.alloc(bytes);
        if (!r.ok) {
          if (!ALLOC_ERRORS.has(r.error.code)) throw new Error(`${where}: alloc(${bytes}) failed with ${r.error.code}: ${r.error.message}`);
          if (r.error.code === 'EBUSY' && (loaded.capabilities.concurrent || live.length === 0))
            throw new Error(`${where}: EBUSY from a strategy with ${live.length} live buffers (concurrent: ${loaded.capabilities.concurrent})`);
          count(tally, `alloc ${r.error.code}`);
          return;
        }
        const b = r.value;
        if (b.bytes < bytes) throw new Error(`${where}: alloc(${bytes}) gave ${b.bytes} bytes`);
        if (!loaded.capabilities.concurrent && live.length > 0) throw new Error(`${where}: a second live buffer from a strategy that declares concurrent: false`);
        const total = b.sharedGpas.reduce((x, g) => x + g.bytes, 0);
        if (total < bytes) throw new Error(`${where}: ${total} shared bytes for a ${bytes}-byte buffer`);
        for (const g of b.sharedGpas) {
          for (const o of live) {
            for (const h of o.buf.sharedGpas)
              if (g.gpa < h.gpa + h.bytes && h.gpa < g.gpa + g.bytes) throw new Error(`${where}: new buffer overlaps live buffer ${o.buf.id} at GPA 0x${g.gpa.toString(16)}`);
          }
        }
        live.push({ buf: b, bytes, known: new Map() });
        count(tally, 'alloc ok');
        return;
      }
      case 'free': {
        if (!live.length) return;
        const l = pick(c.slot);
        live.splice(live.indexOf(l), 1);
        return freeOne(l, where);
      }
      case 'guestWrite':
      case 'hostWrite':
      case 'guestRead': {
        if (!live.length) return;
        const l = pick(c.slot);
        const off = c.at % l.bytes;
        const len = Math.min(c.len, l.bytes - off);
        if (c.op === 'guestRead') return expectKnown(l, off, len, where);
        const data = pattern(c.seed, len);
        if (c.op === 'guestWrite') {
          ok(l.buf.write(off, data), where);
          ok(l.buf.syncForDevice(off, len), where);
          // the host sees what the guest wrote, at the buffer's shared GPAs
          for (const p of gpaPieces(l.buf, off, len)) {
            const seen = m.host.readShared(p.gpa, p.n);
            if (!seen?.every((v, k) => v === data[p.from + k])) throw new Error(`${where}: the host does not see the guest's bytes at GPA 0x${p.gpa.toString(16)}`);
          }
        } else {
          for (const p of gpaPieces(l.buf, off, len))
            if (!m.host.writeShared(p.gpa, data.subarray(p.from, p.from + p.n))) throw new Error(`${where}: the host cannot write live buffer ${l.buf.id} at GPA 0x${p.gpa.toString(16)}`);
          ok(l.buf.syncForCpu(off, len), where);
        }
        for (let k = 0; k < len; k++) l.known.set(off + k, data[k]!);
        return expectKnown(l, off, len, where);
      }
      case 'hostScribble': {
        // A hostile host writes any shared GPA it likes; aim at memory no live buffer holds.
        const target = freed[c.pick % Math.max(1, freed.length)];
        if (!target) return;
        const hits = live.some((l) => l.buf.sharedGpas.some((g) => target.gpa < g.gpa + g.bytes && g.gpa < target.gpa + target.bytes));
        if (hits) return;
        const n = Math.min(target.bytes, 512);
        count(tally, m.host.writeShared(target.gpa, pattern(c.seed, n)) ? 'host scribble landed' : 'host scribble refused (private)');
        return;
      }
      case 'sleep':
        await m.sched.sleep(c.ms * 1e6);
        return;
      default:
        if (isFaultCmd(c)) faultScript.apply(c);
    }
  }
}

function ok(r: { ok: boolean; error?: { code: string; message: string } }, where: string): void {
  if (!r.ok) throw new Error(`${where}: ${r.error!.code}: ${r.error!.message}`);
}

/** Guest read of [off, off + len) agrees with every byte either side wrote there. */
function expectKnown(l: Live, off: number, len: number, where: string): void {
  const s = l.buf.syncForCpu(off, len);
  ok(s, where);
  const r = l.buf.read(off, len);
  if (!r.ok) throw new Error(`${where}: guest read failed: ${r.error.code}: ${r.error.message}`);
  for (let k = 0; k < len; k++) {
    const want = l.known.get(off + k);
    if (want !== undefined && r.value[k] !== want) throw new Error(`${where}: buffer ${l.buf.id} byte ${off + k} reads ${r.value[k]}, ${want} was written`);
  }
}

/**
 * After shutdown the strategy holds nothing: every page it took is free again
 * or leaked (counted), apart from the page-table pages the direct-map splits
 * allocated for good; nothing it converted stays shared unless leaked.
 */
function expectNothingHeld(m: Machine, boot: ReturnType<Machine['audit']>, pageTables: number, where: string): void {
  const end = m.audit();
  const held = end.pages.allocated - boot.pages.allocated - pageTables;
  const inUse = end.pages['shared-in-use'] - boot.pages['shared-in-use'];
  if (held !== 0 || inUse !== 0) throw new Error(`${where}: ${held} private and ${inUse} shared pages still allocated beyond boot and ${pageTables} page-table pages`);
}

/** Every live buffer is still shared where the host reaches it, first and last byte of every range. */
function checkLive(m: Machine, live: readonly Live[], where: string): void {
  for (const l of live) {
    for (const g of l.buf.sharedGpas) {
      if (!m.host.readShared(g.gpa, 1) || !m.host.readShared(g.gpa + g.bytes - 1, 1)) throw new Error(`${where}: live buffer ${l.buf.id} is no longer shared at GPA 0x${g.gpa.toString(16)}`);
    }
  }
}
