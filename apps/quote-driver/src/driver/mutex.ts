import { WaitQueue, type Scheduler } from '@tdx-shbuf/core';

interface Waiter {
  readonly q: WaitQueue;
  /** The unlocker gave the lock straight to this waiter (__mutex_handoff). */
  granted: boolean;
}

/**
 * A sleeping lock on the model's scheduler, as struct mutex behaves
 * (kernel/locking/mutex.c): waiters queue in FIFO order and mutex_unlock()
 * wakes only the first. A woken waiter must still take the lock itself, so the
 * task that just released it may take it again first (lock stealing); but a
 * first waiter that wakes and loses sets MUTEX_FLAG_HANDOFF
 * (__mutex_trylock_or_handoff), and the next unlock hands the lock straight to
 * it (__mutex_unlock_slowpath → __mutex_handoff). So a waiter waits for at most
 * one more holder after its first wakeup. Optimistic spinning is not modeled:
 * the holder sleeps (it waits for the host), so a spinner would give up at once.
 */
export class Mutex {
  private held = false;
  private handoff = false;
  private readonly waiters: Waiter[] = [];
  constructor(private readonly sched: Scheduler) {}

  /** mutex_lock(). */
  async lock(): Promise<void> {
    if (!this.held && this.waiters.length === 0) {
      this.held = true; // __mutex_trylock_fast()
      return;
    }
    const w: Waiter = { q: new WaitQueue(this.sched), granted: false };
    this.waiters.push(w);
    for (;;) {
      if (!this.held) break; // __mutex_trylock()
      await w.q.wait(); // schedule_preempt_disabled()
      if (w.granted) break; // handed over: the lock is already ours
      if (!this.held) break;
      if (this.waiters[0] === w) this.handoff = true; // the first waiter lost the race: MUTEX_FLAG_HANDOFF
    }
    this.waiters.splice(this.waiters.indexOf(w), 1);
    this.held = true;
  }

  /** mutex_unlock(). */
  unlock(): void {
    const first = this.waiters[0];
    if (first && this.handoff) {
      // __mutex_handoff(): ownership goes to the first waiter, which finds it on waking
      this.handoff = false;
      first.granted = true;
      first.q.wakeAll();
      return;
    }
    this.held = false;
    first?.q.wakeAll(); // wake_up_q() of the first waiter only
  }
}
