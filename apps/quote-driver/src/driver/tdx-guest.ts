import { fail, ok, TDVMCALL_STATUS, WaitQueue, type Kernel, type Machine, type Result, type SharedBuffer, type SharedBufferAllocator, type StrategyCapabilities } from '@tdx-shbuf/core';
import type { DriverPolicy } from '../config/config-schema.js';
import { fillRequest, IN_FLIGHT, OFF, readU64 } from './quote-buf-io.js';
import { copyOutQuote } from './copy-out.js';
import { Mutex } from './mutex.js';

/** TDX_REPORTDATA_LEN: configfs-tsm inblob for TDX is exactly this long. */
export const TDX_REPORTDATA_LEN = 64;

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
 * checks, copy-out.ts), running on the model with its buffer from a strategy.
 * Every method must run inside a vCPU task of `m.sched`. Each host-written
 * field is fetched as often as the kernel fetches it, so a host racing the
 * guest (faults.quoteService.rewriteDuringCopyOutRate) gets what it would get.
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
      // "if (quote_buf->status == GET_QUOTE_IN_FLIGHT) return -EBUSY": upstream reads its one
      // buffer's status before zeroing it; a buffer the host flipped back to IN_FLIGHT after the
      // driver gave it back is the host's again and is held (invariant 4), never overwritten.
      const prior = readU64(buf, OFF.status);
      if (prior.ok && prior.value === IN_FLIGHT) {
        hostOwns = true;
        return fail('EBUSY', 'the quote buffer reads GET_QUOTE_IN_FLIGHT: the host owns it');
      }
      const f = fillRequest(buf, p.bufferBytes, tdreport.value);
      if (!f.ok) return f;
      if (buf.sharedGpas.length !== 1) return fail('EINVAL', `GetQuote takes one contiguous shared range; the buffer has ${buf.sharedGpas.length}`);
      // tdx_hcall_get_quote(quote_data, GET_QUOTE_BUF_SIZE): any status but SUCCESS (QEMU's RETRY
      // past 16 requests in flight included) is "GetQuote hypercall failed" → -EIO.
      const err = this.kernel.tdvmcallGetQuote(buf.sharedGpas[0]!.gpa, p.bufferBytes);
      if (err !== TDVMCALL_STATUS.SUCCESS) return fail('EIO', `GetQuote hypercall failed, status:${err.toString(16)}`);
      hostOwns = true;
      const w = p.completion === 'poll' ? await this.pollForCompletion(buf, waits) : await this.waitForNotify(buf, waits);
      if (!w.ok) return w; // the buffer may still be IN_FLIGHT: released below by status
      const pfn = Math.floor((buf.sharedGpas[0]!.gpa - this.kernel.sharedBit) / 4096);
      return copyOutQuote({ m: this.m, buf, bufferBytes: p.bufferBytes, checks: p.checks, pfn });
    } finally {
      await this.release(buf, hostOwns);
    }
  }

  /**
   * wait_for_quote_completion(), v6.7 to v7.0 alike:
   *   while (quote_buf->status == GET_QUOTE_IN_FLIGHT && i++ < timeout) msleep_interruptible(MSEC_PER_SEC);
   *   return (i == timeout) ? -ETIMEDOUT : 0;
   * An answer seen at the last poll leaves with i == timeout: -ETIMEDOUT. A real
   * timeout leaves with i == timeout + 1 and returns 0: v6.7 then copies
   * whatever the buffer holds; v7.0's status check turns it into -EIO.
   */
  private async pollForCompletion(buf: SharedBuffer, waits: { n: number }): Promise<Result<void>> {
    const p = this.policy;
    const timeout = Math.ceil(p.timeoutMs / p.pollIntervalMs); // getquote_timeout, in polls
    let i = 0;
    let status = readU64(buf, OFF.status);
    while (status.ok && status.value === IN_FLIGHT && i++ < timeout) {
      await this.m.sched.sleep(p.pollIntervalMs * 1e6);
      waits.n++;
      status = readU64(buf, OFF.status);
    }
    if (!status.ok) return status;
    return i === timeout ? fail('ETIMEDOUT', `GetQuote request timedout (${timeout} polls)`) : ok();
  }

  /**
   * Interrupt completion (the 2022 series: the notify vector's handler wakes
   * the waiters): wait_event_interruptible_timeout(wq, status != IN_FLIGHT,
   * timeout) — the condition is checked before sleeping and after every
   * wake-up, since one vector serves every request.
   */
  private async waitForNotify(buf: SharedBuffer, waits: { n: number }): Promise<Result<void>> {
    const deadline = this.m.sched.now() + this.policy.timeoutMs * 1e6;
    for (;;) {
      const status = readU64(buf, OFF.status);
      if (!status.ok) return status;
      if (status.value !== IN_FLIGHT) return ok();
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
