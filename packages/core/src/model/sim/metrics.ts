/**
 * Counters named in kernel terms (docs/architecture.md "Metrics per run"). Every model part
 * increments these; a run reads a snapshot.
 */
export function newCounters() {
  return {
    /** Pages made shared (private→shared conversions that reached the VMM). */
    pagesConvertedToShared: 0,
    /** Pages made private again (shared→private, accepted). */
    pagesConvertedToPrivate: 0,
    /** set_memory_{en,de}crypted calls (any variant). */
    setMemoryCalls: 0,
    /** set_memory_* calls that failed with -EIO ("CPA VMM failure to convert memory"). */
    setMemoryFailures: 0,
    /** TDVMCALL<MapGPA> hypercalls issued by the guest. */
    mapGpaCalls: 0,
    /** MapGPA answers of TDVMCALL_STATUS_RETRY. */
    mapGpaRetries: 0,
    /** 2 MiB chunks the VMM processed (one exit each, KVM TDX_MAP_GPA_MAX_LEN). */
    mapGpaChunks: 0,
    /** tdx_map_gpa() calls that gave up (error status, bad GPA, 3 RETRYs without progress). */
    mapGpaFailures: 0,
    /** MapGPA answers that converted nothing, counted at the VMM whoever called: error statuses, RETRY without progress or outside the range. */
    mapGpaRefused: 0,
    /** TDG.MEM.PAGE.ACCEPT that succeeded, by size. */
    accepts4k: 0,
    accepts2m: 0,
    accepts1g: 0,
    /** ACCEPT answered TDX_PAGE_SIZE_MISMATCH (host mapped smaller). */
    acceptSizeMismatch: 0,
    /** direct_map_level3_splits: 1 GiB → 512 × 2 MiB (/proc/vmstat). */
    directMapLevel3Splits: 0,
    /** direct_map_level2_splits: 2 MiB → 512 × 4 KiB (/proc/vmstat). */
    directMapLevel2Splits: 0,
    /** Page-table pages allocated by splits. */
    pageTablePages: 0,
    /** Host SEPT operations: TDH.MEM.RANGE.BLOCK, TRACK, PAGE.REMOVE, PAGE.AUG. */
    septBlocks: 0,
    septTracks: 0,
    septRemoves: 0,
    septAugs: 0,
    /** vCPUs kicked for a TLB epoch after TDH.MEM.TRACK. */
    tlbEpochKicks: 0,
    /** Single-page TLB flushes (INVLPG) executed, summed over CPUs. */
    tlbFlushPages: 0,
    /** Full TLB flushes, summed over CPUs. */
    tlbFlushFull: 0,
    /** Guest IPIs sent for TLB shootdowns. */
    ipis: 0,
    /** Cache lines flushed with CLFLUSH(OPT). */
    cacheLinesFlushed: 0,
    /** Bytes copied to or from SWIOTLB slots. */
    bytesBounced: 0,
    /** Bytes zeroed by the guest (memset, __GFP_ZERO). */
    bytesZeroed: 0,
    /** TDCALLs and TDVMCALLs issued. */
    tdcalls: 0,
    tdvmcalls: 0,
    /** vm_unmap_aliases() calls. */
    vmUnmapAliases: 0,
    /** Pages leaked because they could not be made private again. */
    leakedPages: 0,
    /** Pages currently shared (gauge) and the peak. */
    sharedPages: 0,
    sharedPagesPeak: 0,
    /** Shared pages whose private direct-map alias stays mapped (gauge). */
    privateAliasedSharedPages: 0,
    /** load_unaligned_zeropad hazard: a private alias of a shared page right after in-use memory. */
    hazardUnalignedZeropad: 0,
    /** A vmalloc address passed to a hook that uses __pa() (upstream would compute a wrong GPA). */
    hazardPaOfVmalloc: 0,
    /** #VE from a shared mapping to a private page (recoverable). */
    veSharedMappingPrivatePage: 0,
    /** SWIOTLB mappings and failures ("swiotlb buffer is full"). */
    swiotlbMaps: 0,
    swiotlbFull: 0,
    /** Invariant violations recorded. */
    violations: 0,
    // Unaccepted memory, kexec safety, huge private mappings (docs/model.md §3, §5).
    /** try_to_accept_memory_one(): MAX_PAGE_ORDER blocks taken off a zone's unaccepted list and accepted (first touch). */
    acceptMemoryBlocks: 0,
    /** 2 MiB units of the EFI unaccepted bitmap accepted by accept_memory() (the load_unaligned_zeropad extra unit included). */
    acceptMemoryUnits: 0,
    /** Virtual time spent in accept_memory() accepting unaccepted memory on first touch, ns (summed over tasks). */
    lazyAcceptNs: 0,
    /** RAM pages still unaccepted (NR_UNACCEPTED as /proc/meminfo "Unaccepted"; gauge). */
    unacceptedPages: 0,
    /** nr_shared of arch/x86/coco/tdx/tdx.c: pages converted through the set_memory hooks and not back (gauge). */
    tdxNrShared: 0,
    /** Shared pages tdx_kexec_finish() would not find: no decrypted direct-map PTE (_noalias vmaps, open-coded MapGPA) (gauge). */
    kexecUnsafeSharedPages: 0,
    /** The most kexecUnsafeSharedPages ever stood at (gauge). */
    kexecUnsafeSharedPagesPeak: 0,
    /** TDH.MEM.PAGE.DEMOTE: huge private S-EPT leaves split because a conversion covered only part of them. */
    septDemotes: 0,
  };
}

export type Counters = ReturnType<typeof newCounters>;
export type CounterName = keyof Counters;

/** Counters that are gauges (a level, not a count): runs report them as they stand, never as deltas. */
export const GAUGES: ReadonlySet<CounterName> = new Set<CounterName>(['sharedPages', 'sharedPagesPeak', 'privateAliasedSharedPages', 'unacceptedPages', 'tdxNrShared', 'kexecUnsafeSharedPages', 'kexecUnsafeSharedPagesPeak']);
