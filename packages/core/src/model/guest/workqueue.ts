import type { Sim } from '../sim/sim.js';

/**
 * The system workqueue (kernel/workqueue.c): schedule_work() queues a work
 * item unless it is already pending (WORK_STRUCT_PENDING), and a kworker of
 * the queuing CPU runs it later — here a `kworker` task at the current
 * virtual time, which runs once the queuing task yields. Its work is charged
 * to the kworker, not to whoever queued it. The pending bit clears when the
 * item starts, so it may be queued again while it runs.
 */
export class Workqueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  constructor(private readonly sim: Sim) {}

  /** schedule_work(): false when the item is already pending. */
  schedule(name: string, fn: () => void): boolean {
    if (this.pending.has(name)) return false;
    this.pending.add(name);
    const cpu = this.sim.sched.current.cpu;
    const done = this.sim.sched.spawn(`kworker/${cpu}:${name}`, 'kworker', cpu, async () => {
      this.pending.delete(name);
      fn();
    });
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
    return true;
  }

  /** flush_scheduled_work(): wait until every queued item has run. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await this.sim.sched.join([...this.running]);
  }

  /** Items queued or running. */
  get busy(): number {
    return this.running.size;
  }
}
