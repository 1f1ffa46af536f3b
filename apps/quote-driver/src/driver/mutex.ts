import { WaitQueue, type Scheduler } from '@tdx-shbuf/core';

/** A sleeping lock on the model's scheduler (struct mutex: FIFO enough for the model). */
export class Mutex {
  private held = false;
  private readonly q: WaitQueue;
  constructor(sched: Scheduler) {
    this.q = new WaitQueue(sched);
  }

  /** mutex_lock(). */
  async lock(): Promise<void> {
    while (this.held) await this.q.wait();
    this.held = true;
  }

  /** mutex_unlock(). */
  unlock(): void {
    this.held = false;
    this.q.wakeAll();
  }
}
