import { Scheduler } from '@tdx-shbuf/core';
import { describe, expect, it } from 'vitest';
import { Mutex } from './mutex.js';

/** Two clients each taking the lock `rounds` times and holding it for `holdNs`; returns who held it, in order. */
async function contend(rounds: number, holdNs: number): Promise<string[]> {
  const sched = new Scheduler();
  const lock = new Mutex(sched);
  const order: string[] = [];
  const client = (name: string) => async () => {
    for (let i = 0; i < rounds; i++) {
      await lock.lock();
      order.push(name);
      await sched.sleep(holdNs); // the holder sleeps (waits for the host) with the lock held
      lock.unlock(); // and asks again at once
    }
  };
  await sched.join([sched.spawn('a', 'vcpu', 0, client('a')), sched.spawn('b', 'vcpu', 1, client('b'))]);
  return order;
}

describe('Mutex (struct mutex, kernel/locking/mutex.c)', () => {
  it('a waiter that wakes and loses the lock to its releaser gets it handed off at the next unlock (MUTEX_FLAG_HANDOFF)', async () => {
    // a takes it first; at a's unlock b is woken but a steals it back (lock stealing);
    // b, the first waiter, sets HANDOFF, so a's next unlock hands the lock to b — and so on.
    expect(await contend(5, 1000)).toEqual(['a', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a', 'b']);
  });

  it('no waiter waits for more than one further holder after its first wakeup', async () => {
    const order = await contend(20, 500);
    let run = 1;
    for (let i = 1; i < order.length; i++) {
      run = order[i] === order[i - 1] ? run + 1 : 1;
      if (i < order.length - 2) expect(run, `position ${i}: ${order.join('')}`).toBeLessThanOrEqual(2);
    }
    expect(order.filter((n) => n === 'a')).toHaveLength(20);
  });

  it('an uncontended lock is taken and released without waiting', async () => {
    const sched = new Scheduler();
    const lock = new Mutex(sched);
    await sched.join([
      sched.spawn('a', 'vcpu', 0, async () => {
        await lock.lock();
        lock.unlock();
        await lock.lock();
        lock.unlock();
      }),
    ]);
    expect(sched.now()).toBe(0);
  });
});
