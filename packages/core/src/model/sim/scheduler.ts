/**
 * Virtual clock and a cooperative discrete-event scheduler. Each task (a vCPU
 * running driver code, the host quote service, an interrupt) has its own
 * virtual time; synchronous model operations charge time to the current task,
 * and a task lets others run only at `sleep` / `wait`, where the scheduler
 * resumes whichever task is earliest. Exactly one task runs at a time, so the
 * model needs no locks: a synchronous stretch is atomic at its start time.
 */

export type TaskKind = 'vcpu' | 'host' | 'irq' | 'kworker' | 'main';

/**
 * What a stretch of charged work is for (docs/model.md §8 "time by phase"):
 * every `charge` names one, and the simulation adds it to that phase's
 * counter (sim/metrics.ts `PHASE_COUNTERS`). Sleeps and waits are not work
 * and have no phase.
 */
export type Phase = 'mapGpa' | 'accept' | 'tlbIpi' | 'cacheFlush' | 'split' | 'copy' | 'host' | 'tdcall' | 'tdvmcall' | 'other';

export interface Task {
  readonly id: number;
  readonly name: string;
  readonly kind: TaskKind;
  /** vCPU index for `vcpu` tasks (the CPU its code runs on). */
  readonly cpu: number;
  /** This task's virtual time, ns. */
  time: number;
  done: boolean;
  /** Virtual time the task started at, and the time it has spent blocked (sleeping, waiting) since. */
  readonly start: number;
  waited: number;
}

interface Entry {
  time: number;
  seq: number;
  task: Task;
  resume: () => void;
  /** A timer entry whose wait already ended is skipped without touching the task's clock. */
  token: { live: boolean } | undefined;
}

export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private nextTaskId = 1;
  /** The implicit task that runs boot code, tests and scripts. */
  readonly main: Task = { id: 0, name: 'main', kind: 'main', cpu: 0, time: 0, done: false, start: 0, waited: 0 };
  private cur: Task = this.main;
  private idleCheck = false;
  private readonly live = new Set<Task>([this.main]);
  /** Charged time of tasks that have finished (see chargedByClock). */
  private doneCharged = 0;

  /** `onCharge` sees every charge with its phase (the simulation counts it per phase). */
  constructor(private readonly onCharge?: (ns: number, phase: Phase) => void) {}

  /** The running task. */
  get current(): Task {
    return this.cur;
  }

  /** Virtual time of the running task, ns. */
  now(): number {
    return this.cur.time;
  }

  /** Charge `ns` of work, done for `phase`, to the running task without letting others run. */
  charge(ns: number, phase: Phase): void {
    this.cur.time += ns;
    this.onCharge?.(ns, phase);
  }

  /**
   * Work charged so far, read off the clocks alone: for every task ever run,
   * the virtual time it advanced minus the time it spent blocked. Independent
   * of the phase counters, so a test can check that they sum to it.
   */
  chargedByClock(): number {
    let n = this.doneCharged;
    for (const t of this.live) n += t.time - t.start - t.waited;
    return n;
  }

  /** Start `fn` as a new task at the current time (or `at`); it runs when the running task yields. */
  spawn<T>(name: string, kind: TaskKind, cpu: number, fn: () => Promise<T>, at = this.cur.time): Promise<T> {
    const task: Task = { id: this.nextTaskId++, name, kind, cpu, time: at, done: false, start: at, waited: 0 };
    this.live.add(task);
    const finish = () => {
      task.done = true;
      this.live.delete(task);
      this.doneCharged += task.time - task.start - task.waited;
    };
    return new Promise<T>((resolve, reject) => {
      this.push(task, task.time, () => {
        // Dispatch after the awaiters' callbacks (a join waking its task) have run,
        // so a task woken by this completion resumes at this task's time.
        fn().then(
          (v) => {
            finish();
            resolve(v);
            queueMicrotask(() => this.dispatch());
          },
          (e: unknown) => {
            finish();
            reject(e);
            queueMicrotask(() => this.dispatch());
          },
        );
      });
    });
  }

  /** Let virtual time pass for the running task; other tasks run meanwhile. */
  sleep(ns: number): Promise<void> {
    const task = this.cur;
    return new Promise<void>((resolve) => {
      this.push(task, task.time + ns, resolve);
      this.dispatch();
    });
  }

  /** Wait until every promise settles, letting other tasks run (use from any task). */
  async join<T>(promises: Promise<T>[]): Promise<T[]> {
    const q = new WaitQueue(this);
    let left = promises.length;
    const results: T[] = new Array(promises.length);
    let error: unknown;
    let failed = false;
    if (left === 0) return results;
    for (const [i, p] of promises.entries()) {
      p.then(
        (v) => {
          results[i] = v;
          if (--left === 0) q.wakeAll();
        },
        (e: unknown) => {
          if (!failed) {
            failed = true;
            error = e;
          }
          if (--left === 0) q.wakeAll();
        },
      );
    }
    while (left > 0) await q.wait();
    if (failed) throw error;
    return results;
  }

  /** @internal queue `task` to resume at `time`. */
  push(task: Task, time: number, resume: () => void, token?: { live: boolean }): void {
    const e: Entry = { time, seq: this.seq++, task, resume, token };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** @internal resume the earliest queued task. */
  dispatch(): void {
    let e = this.pop();
    while (e?.token && !e.token.live) e = this.pop();
    if (!e) {
      // Nothing runnable now; a promise callback (join, a finished task's
      // awaiter) may still queue a task in this microtask turn. Look again
      // once microtasks have drained; only one runner exists at any time.
      if (!this.idleCheck) {
        this.idleCheck = true;
        setImmediate(() => {
          this.idleCheck = false;
          if (this.heap.length > 0) this.dispatch();
        });
      }
      return;
    }
    if (e.time > e.task.time) {
      e.task.waited += e.time - e.task.time;
      e.task.time = e.time;
    }
    this.cur = e.task;
    e.resume();
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (!top || !last || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
      if (less(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Tasks blocked until another task wakes them (a completion, an interrupt, a mutex). */
export class WaitQueue {
  private waiters: { task: Task; resume: (r: 'woken' | 'timeout') => void; token: { live: boolean } }[] = [];
  constructor(private readonly sched: Scheduler) {}

  /** Block the running task until woken, or until `timeoutNs` of virtual time passes. */
  wait(timeoutNs?: number): Promise<'woken' | 'timeout'> {
    const task = this.sched.current;
    return new Promise((resolve) => {
      const token = { live: true };
      this.waiters.push({ task, resume: resolve, token });
      if (timeoutNs !== undefined) {
        this.sched.push(
          task,
          task.time + timeoutNs,
          () => {
            token.live = false;
            this.waiters = this.waiters.filter((w) => w.token !== token);
            resolve('timeout');
          },
          token,
        );
      }
      this.sched.dispatch();
    });
  }

  /** Wake every waiter at the waker's current time. */
  wakeAll(): void {
    const now = this.sched.now();
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) {
      if (!w.token.live) continue;
      w.token.live = false;
      this.sched.push(w.task, now, () => w.resume('woken'));
    }
  }

  /** Number of blocked tasks. */
  get length(): number {
    return this.waiters.length;
  }
}
