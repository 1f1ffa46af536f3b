import type { Scheduler } from './scheduler.js';

/** One Chrome trace-event "complete" event (opens in Perfetto / chrome://tracing). */
export interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'M' | 'i';
  /** Start, µs of virtual time. */
  ts: number;
  /** Duration, µs. */
  dur?: number;
  pid: number;
  /** Track: vCPU index, or HOST_TID for the host. */
  tid: number;
  args?: Record<string, unknown>;
}

export const HOST_TID = 10_000;

/**
 * Timeline of one model run in Chrome trace-event JSON: one track per vCPU
 * (the guest's kernel functions) and one for the host (the VMM's work).
 * Only built when the platform asks for it; otherwise nothing is recorded.
 */
export class Trace {
  readonly events: TraceEvent[] = [];
  constructor(
    private readonly sched: Scheduler,
    readonly pid = 1,
  ) {}

  /** Start a span on the running task; pass the result to `end`. */
  begin(): number {
    return this.sched.now();
  }

  /** Close a span begun at `start` on the running task's track (`host`: the host track). */
  end(start: number, name: string, cat: string, args?: Record<string, unknown>, host = false): void {
    const t = this.sched.current;
    this.events.push({ name, cat, ph: 'X', ts: start / 1000, dur: (this.sched.now() - start) / 1000, pid: this.pid, tid: host ? HOST_TID : t.cpu, ...(args ? { args } : {}) });
  }

  /** The trace as a JSON object, with track names. */
  toJSON(vcpus: number, processName = 'tdx-shbuf model'): { traceEvents: TraceEvent[]; displayTimeUnit: 'ns' } {
    const meta: TraceEvent[] = [
      { name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: this.pid, tid: 0, args: { name: processName } },
      ...Array.from({ length: vcpus }, (_, i): TraceEvent => ({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: this.pid, tid: i, args: { name: `vCPU ${i}` } })),
      { name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: this.pid, tid: HOST_TID, args: { name: 'host (KVM/QEMU/QGS)' } },
    ];
    return { traceEvents: [...meta, ...this.events], displayTimeUnit: 'ns' };
  }
}
