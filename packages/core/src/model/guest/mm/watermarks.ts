import type { BuddyZone } from './buddy.js';

/** watermark_scale_factor default: 10, i.e. 0.1 % of a zone between watermarks (mm/page_alloc.c). */
export const WATERMARK_SCALE_FACTOR = 10;

/**
 * init_per_zone_wmark_min() (mm/page_alloc.c, a postcore_initcall):
 * calculate_min_free_kbytes() then __setup_per_zone_wmarks(). Every zone here
 * is lowmem on x86-64. Until it runs all watermarks are 0, and
 * cond_accept_memory() accepts one MAX_PAGE_ORDER block per call "to ensure
 * progress" (docs/model.md §3 "Unaccepted memory"). Returns min_free_kbytes.
 */
export function initPerZoneWmarkMin(zones: readonly BuddyZone[]): number {
  // calculate_min_free_kbytes(): lowmem_kbytes = nr_free_buffer_pages() × 4, where
  // nr_free_buffer_pages() sums managed − high over the zones up to ZONE_NORMAL.
  const bufferPages = zones.reduce((n, z) => n + Math.max(0, z.managedPages - z.wmark.high), 0);
  const minFreeKbytes = Math.min(Math.max(Math.floor(Math.sqrt(bufferPages * 4 * 16)), 128), 262144);
  // __setup_per_zone_wmarks()
  const pagesMin = minFreeKbytes >> 2;
  const lowmemPages = zones.reduce((n, z) => n + z.managedPages, 0);
  for (const z of zones) {
    const min = lowmemPages ? Math.floor((pagesMin * z.managedPages) / lowmemPages) : 0;
    const step = Math.max(min >> 2, Math.floor((z.managedPages * WATERMARK_SCALE_FACTOR) / 10000));
    z.wmark.min = min;
    z.wmark.low = min + step;
    z.wmark.high = z.wmark.low + step;
    z.wmark.promo = z.wmark.high + step;
  }
  return minFreeKbytes;
}
