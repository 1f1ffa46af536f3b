import { fail, ok, type Result } from '../../contract/errors.js';
import { ipiNs } from '../../platform/cost.js';
import { FIRST_EXTERNAL_VECTOR, NR_VECTORS, type VcpuInterrupts } from '../../abi/tdcall.js';
import type { Sim } from '../sim/sim.js';

/**
 * The guest's interrupt vectors (request_irq / the IDT, arch/x86/kernel/idt.c)
 * and their delivery. The host injects a vector into one vCPU (QEMU
 * tdx_inject_interrupt → the APIC of the vCPU that registered it); the
 * handler runs as an `irq` task on that vCPU after the injection latency.
 * Latency: no TDX figure exists (docs/model.md §8); the model charges one IPI in a
 * VM (`ipiCycles` / `cpuGHz`), the cost of a posted interrupt.
 */
export class IrqTable implements VcpuInterrupts {
  private readonly handlers = new Map<number, () => void>();
  /** Interrupts delivered and spurious ones (no handler: "spurious APIC interrupt"). */
  delivered = 0;
  spurious = 0;
  constructor(private readonly m: Sim) {}

  /** request_irq()-like: install `handler` for `vector`; EINVAL outside 32..255, EBUSY if taken. */
  request(vector: number, handler: () => void): Result<void> {
    if (!Number.isInteger(vector) || vector < FIRST_EXTERNAL_VECTOR || vector >= NR_VECTORS) return fail('EINVAL', `vector ${vector} is outside ${FIRST_EXTERNAL_VECTOR}..${NR_VECTORS - 1}`);
    if (this.handlers.has(vector)) return fail('EBUSY', `vector ${vector} already has a handler`);
    this.handlers.set(vector, handler);
    return ok();
  }

  /** free_irq(). */
  free(vector: number): void {
    this.handlers.delete(vector);
  }

  /** The host injects `vector` into vCPU `cpu` now; the handler runs after the injection latency. */
  inject(vector: number, cpu: number): void {
    const m = this.m;
    const at = m.sched.now() + ipiNs(m.cost);
    void m.sched.spawn(
      `irq ${vector}`,
      'irq',
      cpu,
      async () => {
        const h = this.handlers.get(vector);
        if (!h) {
          this.spurious++;
          m.dmesg.push(`spurious APIC interrupt (vector 0x${vector.toString(16)}) on CPU#${cpu}`);
          return;
        }
        this.delivered++;
        h();
      },
      at,
    );
  }
}
