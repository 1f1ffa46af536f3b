/**
 * The discrete-event scheduler alone (issue 14's SimPy comparison): TASKS
 * tasks, each sleeping a seeded random 1–10 µs per iteration and, every 10th
 * iteration, handing off through wait queues in a ring — wake the next task's
 * queue, then wait on its own (up to 10 µs, so a wake that found nobody
 * waiting costs a timeout, never a deadlock). An event is one resumption of a
 * task: the end of a sleep or of a wait.
 */
import { Scheduler, WaitQueue } from '@tdx-shbuf/core';
import { rng, timer, type Timed } from './util.js';

const TASKS = 8;
const HANDOFF_EVERY = 10;

export async function schedulerEvents(iterations: number): Promise<{ events: number; time: Timed }> {
  const s = new Scheduler();
  const r = rng(2024);
  const queues = Array.from({ length: TASKS }, () => new WaitQueue(s));
  let events = 0;
  const done = timer();
  const tasks = queues.map((q, i) =>
    s.spawn(`task${i}`, 'vcpu', i, async () => {
      const next = queues[(i + 1) % TASKS]!;
      for (let it = 1; it <= iterations; it++) {
        await s.sleep(1000 + Math.floor(r() * 9001));
        events++;
        if (it % HANDOFF_EVERY === 0) {
          next.wakeAll();
          await q.wait(10_000);
          events++;
        }
      }
    }),
  );
  await s.join(tasks);
  return { events, time: done() };
}

/** Iterations per task for about `events` events. */
export const iterationsFor = (events: number): number => Math.round(events / TASKS / (1 + 1 / HANDOFF_EVERY));
