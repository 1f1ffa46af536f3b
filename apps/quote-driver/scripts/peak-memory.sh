#!/usr/bin/env bash
# Peak RSS of one buffer-cycle run at 10^5 and 10^6 requests (4 KiB, dma-swiotlb
# atomic, 1 µs host service): latencies go into an HDR histogram and the series
# is downsampled as it is recorded, so the two should be about equal.
# Needs a build (pnpm build) and GNU time. Usage: bash apps/quote-driver/scripts/peak-memory.sh
set -euo pipefail
cli="$(cd "$(dirname "$0")/.." && pwd)/dist/cli.js"
dir=$(mktemp -d "${TMPDIR:-/tmp}/tdx-shbuf-mem-XXXXXX")
trap 'rm -rf "$dir"' EXIT
for n in 100000 1000000; do
  cat > "$dir/m$n.yaml" <<YAML
name: m$n
platform: { memoryBytes: 2GiB, vcpus: 2 }
workload: { requests: $n, bytes: 4KiB, hostServiceNs: 1000 }
strategies: [[dma-swiotlb, { mode: atomic }]]
YAML
  /usr/bin/time -f "requests $n: %e s wall, peak RSS %M kB" node "$cli" run "$dir/m$n.yaml" --out "$dir/out$n" --quiet --jobs 1 > /dev/null
done
