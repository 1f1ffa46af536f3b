import { fail, ok, TDVMCALL_STATUS, WaitQueue, type Kernel, type Machine, type Result, type SharedBuffer, type SharedBufferAllocator, type StrategyCapabilities } from '@tdx-shbuf/core';
import type { DriverPolicy } from '../config/config-schema.js';
import { fillRequest, IN_FLIGHT, OFF, readU32, readU64, SUCCESS } from './quote-buf-io.js';
import { Mutex } from './mutex.js';

/** TDX_REPORTDATA_LEN: configfs-tsm inblob for TDX is exactly this long. */
export const TDX_REPORTDATA_LEN = 64;
/** kvmalloc() refuses sizes above INT_MAX (mm/util.c). */
const INT_MAX = 0x7fff_ffff;

/** What one request did, for summaries and experiments. */
export interface QuoteRequestStats {
  /** Modeled time from entering tdx_report_new() to returning, ns. */
  latencyNs: number;
  /** Status polls (or interrupt wake-ups) before completion. */
  waits: number;
}

/**
 * The TDX guest quote driver, drivers/virt/coco/tdx-guest/tdx-guest.c
 * (tdx_report_new, wait_for_quote_completion; v6.7 f4738f56d1dc and the v7.0
 * checks), running on the model with its buffer from a strategy. Every
 * method must run inside a vCPU task of `m.sched`.
 *
 * Buffers: each request takes a buffer from the strategy and gives it back
 * (a strategy like direct-map hands out its one init-time buffer each time).
 * A buffer the host may still write (a timeout, or the v6.7 off-by-one) is
 * never freed (invariant 4): it is parked and freed by a later request once
 * its status is no longer IN_FLIGHT. With `requests: serialized` the driver
 * is upstream's, with its single quote buffer: until then every new request
 * gets -EBUSY, whatever the strategy could allocate — no new shared buffer
 * per stuck request. So does a strategy that declares `concurrent: false`.
 * Only parallel requests on a concurrent strategy are served from fresh
 * buffers while the parked one waits.
 */
export class TdxGuestDriver {
  private readonly lock: Mutex;
  private readonly notify: WaitQueue;
  private readonly parked: SharedBuffer[] = [];
  /** The last request's figures. */
  last: QuoteRequestStats | undefined;

  constructor(
    private readonly m: Machine,
    private readonly kernel: Kernel,
    private readonly allocator: SharedBufferAllocator,
    private readonly caps: StrategyCapabilities,
    readonly policy: DriverPolicy,
  ) {
    this.lock = new Mutex(m.sched);
    this.notify = new WaitQueue(m.sched);
  }

  /** Buffers held back because the host may still write them. */
  get parkedBuffers(): number {
    return this.parked.length;
  }

  /**
   * tdx_guest_init(): the strategy's init (upstream: alloc_quote_buf()), and for
   * interrupt completion request_irq + TDVMCALL<SetupEventNotifyInterrupt>.
   */
  async init(): Promise<Result<void>> {
    const r = await this.allocator.init();
    if (!r.ok) return r;
    if (this.policy.completion === 'interrupt') {
      const v = this.policy.notifyVector;
      const irq = this.kernel.requestIrq(v, () => this.notify.wakeAll());
      if (!irq.ok) return irq;
      const st = this.kernel.tdvmcallSetupEventNotifyInterrupt(v);
      if (st !== TDVMCALL_STATUS.SUCCESS) {
        this.kernel.freeIrq(v);
        return fail('EIO', `SetupEventNotifyInterrupt(${v}) failed: status 0x${st.toString(16)}`);
      }
    }
    return ok();
  }

  /** tdx_guest_exit(): the strategy's shutdown; parked buffers stay (the host may still write them). */
  async shutdown(): Promise<Result<void>> {
    await this.reapParked();
    if (this.policy.completion === 'interrupt') this.kernel.freeIrq(this.policy.notifyVector);
    if (this.parked.length) return fail('EBUSY', `${this.parked.length} quote buffers are still in flight; they stay allocated`);
    return this.allocator.shutdown();
  }

  /** tdx_report_new(): one quote for 64 bytes of REPORTDATA (the configfs-tsm inblob). */
  async getQuote(inblob: Uint8Array): Promise<Result<Uint8Array>> {
    const t0 = this.m.sched.now();
    const serialized = this.policy.requests === 'serialized';
    if (serialized) await this.lock.lock(); // mutex_lock_interruptible(&quote_lock)
    try {
      const waits = { n: 0 };
      const traceStart = this.m.trace?.begin() ?? 0;
      const r = await this.reportNew(inblob, waits);
      this.m.trace?.end(traceStart, 'tdx_report_new', 'driver', { ok: r.ok, ...(r.ok ? { quoteBytes: r.value.length } : { errno: r.error.code }), waits: waits.n });
      this.last = { latencyNs: this.m.sched.now() - t0, waits: waits.n };
      return r;
    } finally {
      if (serialized) this.lock.unlock();
    }
  }

  private async reportNew(inblob: Uint8Array, waits: { n: number }): Promise<Result<Uint8Array>> {
    const p = this.policy;
    await this.reapParked();
    // "If the previous request is timedout or interrupted, and the Quote buf status is
    // still in GET_QUOTE_IN_FLIGHT (owned by VMM), don't permit any new request."
    const singleBuffer = p.requests === 'serialized' || !this.caps.concurrent;
    if (singleBuffer && this.parked.length > 0) return fail('EBUSY', 'the quote buffer is still in flight from an earlier request');
    if (inblob.length !== TDX_REPORTDATA_LEN) return fail('EINVAL', `inblob is ${inblob.length} bytes; TDX takes exactly ${TDX_REPORTDATA_LEN}`);
    // Generate TDREPORT0 using "TDG.MR.REPORT" TDCALL
    const tdreport = this.kernel.tdxMcallGetReport0(inblob);
    if (!tdreport.ok) return tdreport;
    const a = await this.allocator.alloc(p.bufferBytes);
    if (!a.ok) return a;
    const buf = a.value;
    let hostOwns = false;
    try {
      const f = fillRequest(buf, p.bufferBytes, tdreport.value);
      if (!f.ok) return f;
      if (buf.sharedGpas.length !== 1) return fail('EINVAL', `GetQuote takes one contiguous shared range; the buffer has ${buf.sharedGpas.length}`);
      // tdx_hcall_get_quote(quote_data, GET_QUOTE_BUF_SIZE)
      const err = this.kernel.tdvmcallGetQuote(buf.sharedGpas[0]!.gpa, p.bufferBytes);
      if (err !== TDVMCALL_STATUS.SUCCESS) return fail('EIO', `GetQuote hypercall failed, status:${err.toString(16)}`);
      hostOwns = true;
      const w = p.completion === 'poll' ? await this.pollForCompletion(buf, waits) : await this.waitForNotify(buf, waits);
      if (!w.ok) return w; // the buffer may still be IN_FLIGHT: released below by status
      const status = w.value; // the status as last read: not fetched again (invariant 5)
      if (p.checks === 'v7.0' && status !== SUCCESS) return fail('EIO', `GetQuote completed with status 0x${status.toString(16)}`);
      const outLen = readU32(buf, OFF.outLen); // READ_ONCE(quote_buf->out_len)
      if (!outLen.ok) return outLen;
      const room = p.bufferBytes - OFF.data;
      if (outLen.value > room) {
        if (p.checks === 'v7.0') return fail('EFBIG', `out_len ${outLen.value} exceeds the ${room} bytes after the header`);
        // v6.7: kvmemdup(quote_buf->data, quote_buf->out_len) trusts the host.
        if (outLen.value > INT_MAX) return fail('ENOMEM', `kvmemdup of out_len ${outLen.value} bytes fails (above INT_MAX)`);
        const pfn = Math.floor((buf.sharedGpas[0]!.gpa - this.kernel.sharedBit) / 4096);
        this.m.reportViolation(5, pfn, Math.ceil(p.bufferBytes / 4096), `out_len ${outLen.value} not bounds-checked: kvmemdup reads ${outLen.value - room} bytes past the quote buffer`);
        return fail('EFAULT', `out_len ${outLen.value} overruns the buffer by ${outLen.value - room} bytes (an out-of-bounds read of kernel memory on hardware)`);
      }
      // Copy the quote out once.
      const s = buf.syncForCpu(OFF.data, outLen.value);
      if (!s.ok) return s;
      return buf.read(OFF.data, outLen.value);
    } finally {
      await this.release(buf, hostOwns);
    }
  }

  /**
   * wait_for_quote_completion(): poll `status` once per interval. v6.7–v6.19:
   *   while (quote_buf->status == GET_QUOTE_IN_FLIGHT && i++ < timeout) msleep_interruptible(MSEC_PER_SEC);
   *   return (i == timeout) ? -ETIMEDOUT : 0;
   * — a real timeout leaves the loop with i == timeout + 1 and returns 0. v7.0
   * returns -ETIMEDOUT whenever the status is still IN_FLIGHT at the end.
   * Resolves to the status as last read.
   */
  private async pollForCompletion(buf: SharedBuffer, waits: { n: number }): Promise<Result<bigint>> {
    const p = this.policy;
    const timeout = Math.ceil(p.timeoutMs / p.pollIntervalMs); // getquote_timeout, in polls
    const sleep = () => this.m.sched.sleep(p.pollIntervalMs * 1e6);
    let i = 0;
    let status = readU64(buf, OFF.status);
    if (p.checks === 'v6.7') {
      while (status.ok && status.value === IN_FLIGHT && i++ < timeout) {
        await sleep();
        waits.n++;
        status = readU64(buf, OFF.status);
      }
      if (!status.ok) return status;
      return i === timeout ? fail('ETIMEDOUT', `no answer from the host after ${timeout} polls`) : ok(status.value);
    }
    while (status.ok && status.value === IN_FLIGHT && i < timeout) {
      await sleep();
      i++;
      waits.n++;
      status = readU64(buf, OFF.status);
    }
    if (!status.ok) return status;
    return status.value === IN_FLIGHT ? fail('ETIMEDOUT', `no answer from the host after ${p.timeoutMs} ms`) : ok(status.value);
  }

  /**
   * Interrupt completion (the 2022 series: the notify vector's handler wakes
   * the waiters): wait_event_interruptible_timeout(wq, status != IN_FLIGHT,
   * timeout) — the condition is checked before sleeping and after every
   * wake-up, since one vector serves every request.
   */
  private async waitForNotify(buf: SharedBuffer, waits: { n: number }): Promise<Result<bigint>> {
    const deadline = this.m.sched.now() + this.policy.timeoutMs * 1e6;
    for (;;) {
      const status = readU64(buf, OFF.status);
      if (!status.ok || status.value !== IN_FLIGHT) return status;
      const left = deadline - this.m.sched.now();
      if (left <= 0 || (await this.notify.wait(left)) === 'timeout') return fail('ETIMEDOUT', `no notify interrupt within ${this.policy.timeoutMs} ms`);
      waits.n++;
    }
  }

  /** Give the buffer back, unless the host may still write it (invariant 4): then park it. */
  private async release(buf: SharedBuffer, hostOwns: boolean): Promise<void> {
    if (hostOwns) {
      const st = readU64(buf, OFF.status);
      if (!st.ok || st.value === IN_FLIGHT) {
        this.parked.push(buf);
        return;
      }
    }
    await this.allocator.free(buf);
  }

  /** Free parked buffers whose status the host has since moved off IN_FLIGHT. */
  private async reapParked(): Promise<void> {
    for (const buf of [...this.parked]) {
      const st = readU64(buf, OFF.status);
      if (st.ok && st.value !== IN_FLIGHT) {
        this.parked.splice(this.parked.indexOf(buf), 1);
        await this.allocator.free(buf);
      }
    }
  }
}
