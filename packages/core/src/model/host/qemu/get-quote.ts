import {
  createSimulatedQuoteService,
  encodeGetQuoteRequest,
  encodeGetQuoteResponse,
  FormatError,
  parseQgsMessage,
  QUOTE_BUF_HEADER_SIZE,
  QUOTE_BUF_STATUS,
  QUOTE_BUF_VERSION,
  type SimulatedQuoteService,
} from '@tdx-shbuf/tdx-formats';
import type { FaultsConfig } from '../../../platform/faults.js';
import { FIRST_EXTERNAL_VECTOR, NR_VECTORS, TDVMCALL_STATUS, type VcpuInterrupts } from '../../../abi/tdcall.js';
import { platformSecrets } from '../../../platform/measurements.js';
import { PAGE_SIZE } from '../../../abi/units.js';
import type { SharedBacking } from '../../memory/shared-backing.js';
import type { Sim } from '../../sim/sim.js';
import { drawHostileAct, hostileWriteStatus, IN_FLIGHT, raceCopyOut, type HostileAct, type HostileRates } from './hostile.js';

/** TDX_GET_QUOTE_MAX_BUF_LEN (QEMU target/i386/kvm/tdx.c): 128 KiB. */
export const GET_QUOTE_MAX_BUF_LEN = 128 * 1024;
/** TDX_MAX_GET_QUOTE_REQUEST (QEMU): requests in flight before RETRY. */
export const MAX_GET_QUOTE_REQUESTS = 16;
/** TRANSACTION_TIMEOUT (QEMU tdx-quote-generator.c): 30 s for the whole QGS exchange. */
export const QGS_TRANSACTION_TIMEOUT_NS = 30e9;

/** The simulated QGS of the platform with this seed (its root CA is what the platform's quotes chain to). */
export function simulatedQuoteServiceFor(seed: string): SimulatedQuoteService {
  const secrets = platformSecrets(seed);
  return createSimulatedQuoteService({ platformMacKey: secrets.macKey, seed: secrets.qgsSeed });
}

/** Host-side knobs for experiments and tests (docs/architecture.md "faults and adversary"). */
export interface QuoteHostFaults extends HostileRates {
  /** QEMU started without `quote-generation-socket`: SERVICE_UNAVAILABLE written at once, nothing forwarded. Default true. */
  serviceConfigured?: boolean;
  /** Connecting to the QGS fails: the request completes with SERVICE_UNAVAILABLE. */
  serviceUnavailable?: boolean;
  /** Extra service latency on top of the cost model's `quoteGenerationNs`, ns. */
  extraLatencyNs?: number;
  /** The QGS accepts the request and never answers: QEMU's 30 s transaction timeout writes ERROR. */
  neverAnswers?: boolean;
  /** Pad each quote with zeros to this size, as the real QGS pads to its reserved size (e.g. 5006; docs/model.md §7). */
  padQuoteTo?: number;
  /** Hostile host: the `out_len` it writes at completion, whatever the quote's size. */
  lieOutLen?: number;
  /** Hostile host: the `status` it writes at completion (e.g. SUCCESS after a failure, or IN_FLIGHT forever). */
  lieStatus?: bigint;
  // HostileRates: lieRate (share of requests that get the lies above, default 1), rewriteDuringCopyOutRate,
  // flipToInFlightRate + flipToInFlightAfterNs, lateCompletionRate + lateCompletionNs (see hostile.ts).
}

/** The configured quote-service faults (platform.faults.quoteService) as host knobs. */
export function quoteHostFaults(c: FaultsConfig['quoteService']): QuoteHostFaults {
  const f: QuoteHostFaults = { serviceConfigured: c.serviceConfigured, serviceUnavailable: c.serviceUnavailable, extraLatencyNs: c.extraLatencyNs, neverAnswers: c.neverAnswers };
  if (c.padQuoteTo !== null) f.padQuoteTo = c.padQuoteTo;
  if (c.lieOutLen !== null) f.lieOutLen = c.lieOutLen;
  if (c.lieStatus !== null) f.lieStatus = QUOTE_BUF_STATUS[c.lieStatus];
  const { lieRate, rewriteDuringCopyOutRate, flipToInFlightRate, flipToInFlightAfterNs, lateCompletionRate, lateCompletionNs } = c;
  return { ...f, lieRate, rewriteDuringCopyOutRate, flipToInFlightRate, flipToInFlightAfterNs, lateCompletionRate, lateCompletionNs };
}

/** One GetQuote the host accepted. */
interface QuoteTask {
  readonly id: number;
  /** Shared-bit-stripped GPA of the tdx_quote_buf and its length. */
  readonly bufGpa: number;
  readonly bufLen: number;
  readonly report: Uint8Array;
  /** QEMU's copy of the header as read at request time (task->hdr), written back at completion. */
  readonly hdr: Uint8Array;
  /** What a hostile host does to this request beyond the protocol. */
  readonly act: HostileAct;
}

/**
 * The host side of TDVMCALL<GetQuote> and <SetupEventNotifyInterrupt> as KVM
 * and QEMU implement them (KVM arch/x86/kvm/vmx/tdx.c tdx_get_quote,
 * tdx_setup_event_notify_interrupt; QEMU target/i386/kvm/tdx.c
 * tdx_handle_get_quote, tdx_get_quote_completion, tdx_inject_interrupt,
 * tdx_handle_setup_event_notify_interrupt; QEMU tdx-quote-generator.c).
 * The host touches only shared memory: it reads and writes the guest's
 * shared backing, never private pages.
 */
export class GetQuoteHost {
  /** Requests forwarded and not yet completed (QEMU tdx_guest->num). */
  inFlight = 0;
  /** Statistics of this run (`hostile`: requests a hostile knob acted on). */
  readonly stats = { requests: 0, accepted: 0, retries: 0, completed: 0, timeouts: 0, notifies: 0, hostile: 0 };
  faults: QuoteHostFaults = {};
  private notifyVector: number | undefined;
  private notifyApicId = 0;
  private service: SimulatedQuoteService | undefined;
  private nextId = 1;
  private readonly tasks: Promise<void>[] = [];
  /** Copy-out racers still running, by buffer GPA (a new GetQuote on the buffer stops its racer). */
  private readonly racers = new Map<number, () => void>();
  private readonly sharedBit: number;
  constructor(
    private readonly m: Sim,
    /** Guest memory as QEMU reaches it: the shared backing. */
    private readonly memory: SharedBacking,
    /** Interrupt injection into the guest's vCPUs. */
    private readonly irq: VcpuInterrupts,
  ) {
    this.sharedBit = 2 ** (m.config.gpaw - 1);
  }

  /** The simulated QGS (built on first use from the platform seed). */
  get quoteService(): SimulatedQuoteService {
    this.service ??= simulatedQuoteServiceFor(this.m.config.seed);
    return this.service;
  }

  /** PEM of the simulated root CA the quotes chain to (trust it to verify them). */
  get rootCaPem(): string {
    return this.quoteService.rootCaPem;
  }

  /** The notify vector registered by SetupEventNotifyInterrupt, if any. */
  get eventNotifyVector(): number | undefined {
    return this.notifyVector;
  }

  /** Host tasks still running (tests join them). */
  get pending(): readonly Promise<void>[] {
    return this.tasks;
  }

  /** Set the fault knobs (replaces the previous ones). */
  setFaults(f: QuoteHostFaults): void {
    this.faults = { ...f };
  }

  /**
   * TDVMCALL<SetupEventNotifyInterrupt>(r12 = vector): QEMU keeps the vector
   * and the calling vCPU's APIC ID when 32 ≤ vector ≤ 255, else INVALID_OPERAND.
   */
  setupEventNotifyInterrupt(vector: number): bigint {
    const m = this.m;
    m.counters.tdvmcalls++;
    m.sched.charge(m.cost.tdvmcallRoundTripNs, 'tdvmcall');
    if (!Number.isInteger(vector) || vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS) return TDVMCALL_STATUS.INVALID_OPERAND;
    this.notifyVector = vector;
    this.notifyApicId = m.sched.current.cpu;
    return TDVMCALL_STATUS.SUCCESS;
  }

  /** TDVMCALL<GetQuote>(r12 = shared GPA of a tdx_quote_buf, r13 = its length). */
  getQuote(gpa: number, size: number): bigint {
    const m = this.m;
    const S = TDVMCALL_STATUS;
    m.counters.tdvmcalls++;
    m.sched.charge(m.cost.tdvmcallRoundTripNs, 'tdvmcall');
    this.stats.requests++;
    // KVM tdx_get_quote(): "The gpa of buffer must have shared bit set."
    if (gpa < this.sharedBit || gpa >= 2 ** m.config.gpaw) return S.INVALID_OPERAND;
    const bufGpa = gpa - this.sharedBit; // KVM strips the shared bit before exiting to QEMU
    // QEMU tdx_handle_get_quote(): the order of its checks.
    if (size === 0) return S.INVALID_OPERAND;
    if (bufGpa % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) return S.ALIGN_ERROR;
    const hdr = this.readShared(bufGpa, QUOTE_BUF_HEADER_SIZE);
    if (!hdr) return S.INVALID_OPERAND; // address_space_read() failed
    const dv = new DataView(hdr.buffer, hdr.byteOffset, hdr.length);
    if (dv.getBigUint64(0, true) !== QUOTE_BUF_VERSION) return S.INVALID_OPERAND;
    const inLen = dv.getUint32(16, true);
    // "Only safe-guard check to avoid too large buffer size."
    if (size > GET_QUOTE_MAX_BUF_LEN || inLen > size - QUOTE_BUF_HEADER_SIZE) return S.INVALID_OPERAND;
    if (this.faults.serviceConfigured === false) {
      // !tdx_guest->qg_sock_addr: error_code = QGS_UNAVAILABLE, returns SUCCESS, no interrupt.
      this.writeHeader(bufGpa, hdr, QUOTE_BUF_STATUS.SERVICE_UNAVAILABLE, undefined);
      return S.SUCCESS;
    }
    if (this.inFlight >= MAX_GET_QUOTE_REQUESTS) {
      this.stats.retries++;
      return S.RETRY;
    }
    const report = this.readShared(bufGpa + QUOTE_BUF_HEADER_SIZE, inLen);
    if (!report) return S.INVALID_OPERAND;
    this.inFlight++;
    this.stats.accepted++;
    this.racers.get(bufGpa)?.();
    this.racers.delete(bufGpa);
    // "Mark the buffer in-flight."
    this.writeHeader(bufGpa, hdr, QUOTE_BUF_STATUS.IN_FLIGHT, undefined);
    const f = this.faults;
    const act = drawHostileAct(m, f, f.lieOutLen !== undefined || f.lieStatus !== undefined);
    if (act.lie || act.rewrite || act.flipAfterNs !== undefined || act.lateNs !== undefined) this.stats.hostile++;
    const task: QuoteTask = { id: this.nextId++, bufGpa, bufLen: size, report, hdr, act };
    this.tasks.push(m.sched.spawn(`qgs#${task.id}`, 'host', this.notifyApicId, () => this.generateQuote(task)));
    return S.SUCCESS;
  }

  /**
   * tdx_generate_quote() → the QGS exchange with QEMU's 30 s transaction
   * timeout, then tdx_get_quote_completion(). QEMU builds the QGS
   * GET_QUOTE_REQ around the raw TDREPORT the guest put in the buffer
   * (Linux ≥ 6.7: in_len 1024) and copies only the quote out of the response.
   */
  private async generateQuote(t: QuoteTask): Promise<void> {
    const m = this.m;
    const f = this.faults;
    const traceStart = m.trace?.begin() ?? 0;
    const payloadLen = t.bufLen - QUOTE_BUF_HEADER_SIZE;
    let status: bigint = QUOTE_BUF_STATUS.ERROR;
    let quote: Uint8Array | undefined;
    if (f.serviceUnavailable) {
      status = QUOTE_BUF_STATUS.SERVICE_UNAVAILABLE; // tdx_quote_generator_connected(): connect failed
    } else {
      // A hostile host holding the answer ignores QEMU's transaction timeout (hostile.ts).
      const latency = t.act.lateNs ?? (f.neverAnswers ? Infinity : m.cost.quoteGenerationNs + (f.extraLatencyNs ?? 0));
      if (latency >= QGS_TRANSACTION_TIMEOUT_NS && t.act.lateNs === undefined) {
        await m.sched.sleep(QGS_TRANSACTION_TIMEOUT_NS);
        this.stats.timeouts++; // tdx_quote_generator_timeout(): status stays ERROR
      } else {
        await m.sched.sleep(latency);
        let response = this.quoteService.handleRequest(encodeGetQuoteRequest(t.report));
        if (f.padQuoteTo !== undefined) response = padQgsQuote(response, f.padQuoteTo);
        try {
          const msg = parseQgsMessage(response);
          if (msg.kind === 'get_quote_resp' && msg.header.errorCode === 0 && msg.quote.length <= payloadLen) {
            status = QUOTE_BUF_STATUS.SUCCESS;
            quote = msg.quote;
          }
        } catch (e) {
          if (!(e instanceof FormatError)) throw e;
        }
      }
    }
    // tdx_get_quote_completion()
    this.inFlight--;
    this.stats.completed++;
    const written = t.act.lie ? (f.lieStatus ?? status) : status;
    if (quote) this.writeShared(t.bufGpa + QUOTE_BUF_HEADER_SIZE, quote);
    this.writeHeader(t.bufGpa, t.hdr, written, (t.act.lie ? f.lieOutLen : undefined) ?? quote?.length);
    if (t.act.rewrite && quote) this.racers.set(t.bufGpa, raceCopyOut(this.memory, t.bufGpa, t.bufLen, quote.length));
    m.trace?.end(traceStart, 'QEMU GetQuote → QGS → completion', 'host', { request: t.id, status: `0x${written.toString(16)}`, quoteBytes: quote?.length ?? 0 }, true);
    // tdx_inject_interrupt(): only with a vector in 32..255 registered.
    if (this.notifyVector !== undefined) {
      this.stats.notifies++;
      this.irq.inject(this.notifyVector, this.notifyApicId);
    }
    if (t.act.flipAfterNs !== undefined) {
      // A hostile host hands the completed buffer back to itself: status IN_FLIGHT again.
      await m.sched.sleep(t.act.flipAfterNs);
      hostileWriteStatus(this.memory, t.bufGpa, IN_FLIGHT);
    }
  }

  /** address_space_read() of guest memory: the shared backing; undefined outside RAM. A page that is private now reads as zero. */
  private readShared(pa: number, len: number): Uint8Array | undefined {
    if (len === 0) return new Uint8Array(0);
    if (pa + len > this.memory.limitPa) return undefined;
    return this.memory.read(pa, len);
  }

  /**
   * address_space_write() of the shared backing. A page that is no longer
   * shared means the guest freed or converted a buffer the host could still
   * write: invariant 4, recorded; the write is lost (the backing is gone).
   */
  private writeShared(pa: number, data: Uint8Array): void {
    if (data.length === 0) return;
    if (!this.memory.isShared(pa, data.length)) {
      const first = Math.floor(pa / PAGE_SIZE);
      const last = Math.floor((pa + data.length - 1) / PAGE_SIZE);
      this.m.inv.record(4, first, last - first + 1, `the host completed a GetQuote into GPA 0x${pa.toString(16)}, which is no longer shared`);
      return;
    }
    this.memory.write(pa, data);
  }

  /** Set status (and out_len when given) in QEMU's header copy `hdr` and write it to the buffer. */
  private writeHeader(bufGpa: number, hdr: Uint8Array, status: bigint, outLen: number | undefined): void {
    const dv = new DataView(hdr.buffer, hdr.byteOffset, hdr.length);
    dv.setBigUint64(8, status, true);
    if (outLen !== undefined) dv.setUint32(20, outLen >>> 0, true);
    this.writeShared(bufGpa, hdr);
  }
}

/** The QGS answer with its quote zero-padded to `size` bytes (trailing data is legal, docs/model.md §7). */
function padQgsQuote(response: Uint8Array, size: number): Uint8Array {
  const msg = parseQgsMessage(response);
  if (msg.kind !== 'get_quote_resp' || msg.header.errorCode !== 0 || msg.quote.length >= size) return response;
  const quote = new Uint8Array(size);
  quote.set(msg.quote);
  return encodeGetQuoteResponse({ quote, selectedId: msg.selectedId });
}
