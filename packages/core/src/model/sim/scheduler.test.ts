import { describe, expect, it } from 'vitest';
import { Scheduler, WaitQueue } from './scheduler.js';

describe('scheduler (virtual time, one task at a time)', () => {
  it('interleaves tasks by virtual time and keeps each task’s own clock', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const a = s.spawn('a', 'vcpu', 0, async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`a@${s.now()}`);
        await s.sleep(10);
      }
      return s.now();
    });
    const b = s.spawn('b', 'vcpu', 1, async () => {
      await s.sleep(5);
      log.push(`b@${s.now()}`);
      s.charge(12, 'other'); // synchronous work
      await s.sleep(0);
      log.push(`b@${s.now()}`);
      return s.now();
    });
    const [ta, tb] = await s.join([a, b]);
    expect(log).toEqual(['a@0', 'b@5', 'a@10', 'b@17', 'a@20']);
    expect(ta).toBe(30);
    expect(tb).toBe(17);
  });

  it('a wait queue wakes waiters at the waker’s time, or times out', async () => {
    const s = new Scheduler();
    const q = new WaitQueue(s);
    const w = s.spawn('waiter', 'vcpu', 0, async () => [await q.wait(1000), s.now()] as const);
    const t = s.spawn('timeout', 'vcpu', 1, async () => [await new WaitQueue(s).wait(50), s.now()] as const);
    const k = s.spawn('waker', 'host', 0, async () => {
      await s.sleep(300);
      q.wakeAll();
    });
    const [rw, rt] = await s.join<unknown>([w, t, k]);
    expect(rw).toEqual(['woken', 300]);
    expect(rt).toEqual(['timeout', 50]);
  });

  it('a joiner resumes at the time the last joined task finished, not at a later timer', async () => {
    const s = new Scheduler();
    // a host timer far in the future (QEMU's 30 s transaction timeout, say)
    void s.spawn('host-timer', 'host', 0, async () => {
      await s.sleep(30e9);
    });
    const w = s.spawn('worker', 'vcpu', 0, async () => {
      await s.sleep(1000);
      return s.now();
    });
    const [done] = await s.join([w]);
    expect(done).toBe(1000);
    expect(s.now()).toBe(1000);
  });
});

describe('charged work and its phases (docs/model.md §8 "time by phase")', () => {
  it('every charge reaches onCharge with its phase; chargedByClock counts charges, not sleeps, waits or a later start', async () => {
    const seen: [number, string][] = [];
    const s = new Scheduler((ns, phase) => void seen.push([ns, phase]));
    s.charge(5, 'copy');
    const q = new WaitQueue(s);
    const a = s.spawn('a', 'vcpu', 0, async () => {
      s.charge(7, 'mapGpa');
      await s.sleep(1000);
      await q.wait();
      s.charge(11, 'accept');
    });
    const b = s.spawn(
      'b',
      'irq',
      1,
      async () => {
        s.charge(13, 'tlbIpi');
        q.wakeAll();
      },
      5000,
    ); // starts 5000 ns later: not work
    await s.join([a, b]);
    expect(seen).toEqual([
      [5, 'copy'],
      [7, 'mapGpa'],
      [13, 'tlbIpi'],
      [11, 'accept'],
    ]);
    expect(s.chargedByClock()).toBe(5 + 7 + 13 + 11);
  });
});
