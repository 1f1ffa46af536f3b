import { z } from 'zod';
import { costParamsSchema } from './cost.js';
import { faultsSchema } from './faults.js';
import { measurementsSchema } from './measurements.js';
import { bootConvertersSchema, fragmentationSchema, kernelSectionsSchema } from './boot-state.js';
import { boundedNumber, pageBytes } from './bounds.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
/**
 * Top of guest RAM: 2^46 (MAX_PHYSMEM_BITS with 4-level paging, the model's
 * default), below the shared bit of either GPAW. q35 puts 2 GiB below 4 GiB and
 * the rest from 4 GiB, so RAM ends at memoryBytes + 2 GiB.
 */
export const MAX_MEMORY_BYTES = 2 ** 46 - 2 * GiB;

/** The modeled TD and host. Every key has a description and a default (docs/contributing.md §5). */
export const platformSchema = z
  .object({
    vcpus: boundedNumber({ min: 1, max: 1024, int: true }).default(8).describe('vCPUs of the TD; TLB shootdowns IPI every other vCPU and SEPT TRACK kicks all of them.'),
    memoryBytes: pageBytes(256 * MiB, MAX_MEMORY_BYTES)
      .default(16 * GiB)
      .describe(
        'Guest RAM in bytes, whole pages, 256 MiB to 64 TiB − 2 GiB. Laid out as QEMU q35 does: up to 2 GiB below 4 GiB, the rest from 4 GiB (hw/i386/pc_q35.c), so RAM ends below 2^46 (MAX_PHYSMEM_BITS, 4-level paging) and below the shared bit of either GPAW.',
      ),
    gpaw: z
      .union([z.literal(48), z.literal(52)])
      .default(52)
      .describe('Guest physical address width from TDG.VP.INFO; the shared bit is GPAW-1 (docs/model.md §2).'),
    gbPages: z.boolean().default(true).describe('Whether the CPU has 1 GiB pages (X86_FEATURE_GBPAGES): the direct map then uses 1G pages (arch/x86/mm/init.c).'),
    swiotlbBytes: pageBytes(256 * 1024, 2 * GiB)
      .optional()
      .describe(
        'SWIOTLB pool size asked for, as swiotlb=<slots>, whole pages, 256 KiB to 2 GiB; default: the CoCo sizing, 6 % of RAM clamped to [64 MiB, 1 GiB] (arch/x86/mm/mem_encrypt.c). swiotlb_init_remap() rounds it up to a power of two of 2 KiB slots, at least 128 slots per lock area.',
      ),
    hostPrivateMapLevel: z
      .enum(['4k', '2m', '1g'])
      .default('4k')
      .describe('Largest page the host maps private memory with; upstream KVM maps 4 KiB only (docs/model.md §5). A larger guest ACCEPT gets TDX_PAGE_SIZE_MISMATCH.'),
    kernelImageBytes: pageBytes(4096, GiB)
      .default(32 * MiB)
      .describe('memblock reservation of the kernel image at CONFIG_PHYSICAL_START (16 MiB), whole pages, at most 1 GiB.'),
    cacheFlush: z.enum(['clflushopt', 'clflush']).default('clflushopt').describe('Instruction clflush_cache_range uses; Linux prefers CLFLUSHOPT where the CPU has it.'),
    tdxVersion: z.enum(['1.0', '1.5']).default('1.5').describe('TDX module version (TDREPORT layout).'),
    seed: z
      .string()
      .min(1)
      .default('tdx-shbuf')
      .describe("Seed of the per-platform secrets: the TDREPORT MAC key and the simulated quote service's keys and certificates (same seed → same simulated root CA)."),
    measurements: measurementsSchema.prefault({}).describe('TD measurements TDG.MR.REPORT reports (MRTD, RTMRs, MRCONFIGID, MROWNER, attributes…), hex; all zero by default.'),
    faults: faultsSchema.prefault({}).describe('Seeded fault plan: MapGPA RETRY/failure, accept failure, ENOMEM (all off by default).'),
    trace: z.boolean().default(false).describe('Record a timeline (Chrome trace-event JSON, opens in Perfetto): one track per vCPU and one for the host.'),
    throwOnViolation: z.boolean().default(false).describe('Throw at the first invariant violation instead of only recording it (for debugging).'),
    cost: costParamsSchema.default(costParamsSchema.parse({})).describe('Cost-model parameters (docs/model.md §8); any subset overrides the defaults.'),
    // Boot state, unaccepted memory and fragmentation (docs/model.md §3).
    unacceptedMemory: z
      .boolean()
      .default(true)
      .describe(
        'CONFIG_UNACCEPTED_MEMORY, as modern TDX guests boot: firmware (TDVF) accepts RAM below 4 GiB; the rest stays unaccepted in the EFI bitmap (2 MiB units) and the page allocator accepts it a MAX_PAGE_ORDER block at a time to keep each zone at its promo watermark (cond_accept_memory). false: all RAM accepted before the kernel starts (accept_memory=eager).',
      ),
    kernelSections: kernelSectionsSchema
      .prefault({})
      .describe(
        "Sizes of the kernel image's text and rodata: mark_rodata_ro() frees the gaps after _etext and __end_rodata (free_kernel_image_pages), which splits the direct-map 2M pages holding them.",
      ),
    bootConverters: bootConvertersSchema
      .default([])
      .describe(
        'Devices probed at boot, each { name, queues, queueSize (power of two, default 256) }, that convert memory in the direct map before any driver loads: virtio queues allocated with a blocking dma_alloc_coherent() (vring_alloc_queue on a VIRTIO_F_ACCESS_PLATFORM device). Vary them to see whether a placement result is an artifact of where the buddy allocator put a buffer.',
      ),
    fragmentation: fragmentationSchema
      .prefault({})
      .describe('How the steady-state cost of direct-map fragmentation is reported: the throughput loss of a guest workload over a horizon, never folded into the per-request overhead.'),
    // How the guest sends IPIs, its SWIOTLB areas, and what __pa() of a vmalloc address does (docs/model.md §3, §4, §8).
    ipiSend: z
      .enum(['shorthand', 'kvm-pv', 'x2apic'])
      .default('shorthand')
      .describe(
        'How the guest sends a TLB-shootdown IPI to the other vCPUs (on_each_cpu → native_send_call_func_ipi). "shorthand": all CPUs online, apic_use_ipi_shorthand → apic->send_IPI_allbutself, one x2APIC ICR write (#VE → TDVMCALL<WRMSR>) whatever the target count. "kvm-pv": no_ipi_broadcast=1 with KVM_FEATURE_PV_SEND_IPI, which QEMU offers TDs: kvm_send_ipi_mask, one KVM_HC_SEND_IPI TDVMCALL (tdx_kvm_hypercall) per 128 APIC IDs. "x2apic": no_ipi_broadcast=1 and no PV IPIs: one ICR write (#VE + TDVMCALL) per target.',
      ),
    swiotlbAreas: boundedNumber({ min: 1, max: 1024, int: true })
      .optional()
      .describe(
        'SWIOTLB lock areas, as swiotlb=<slots>,<areas> sets them (1: the single lock of kernels before 5.19); default: one per vCPU, rounded up to a power of two (swiotlb_adjust_nareas(num_possible_cpus())). The pool grows to at least 128 slots per area (round_up_default_nslabs).',
      ),
    vmallocPa: z
      .enum(['upstream', 'v7', 'per-page'])
      .default('upstream')
      .describe(
        'What tdx_enc_status_changed() hands MapGPA for a vmalloc address given to plain set_memory_{en,de}crypted(). "upstream": __pa(vaddr), a wrong GPA (vaddr − PAGE_OFFSET): QEMU ignores a to-shared conversion of an unassigned GPA, so the call succeeds and the buffer stays private (invariant 8; with CONFIG_DEBUG_VIRTUAL __pa() BUGs). "v7": vmalloc_to_pfn() of the first page and the range after it (the 2022 v7 series; right only for physically contiguous pages). "per-page": slow_virt_to_phys() and one MapGPA per 4 KiB page (the fix posted 2023–25). The never-merged _noalias variant came with the v7 fix, so it uses "v7" unless "per-page" is chosen.',
      ),
  })
  .strict();

export type PlatformConfig = z.output<typeof platformSchema>;
export type PlatformConfigInput = z.input<typeof platformSchema>;
