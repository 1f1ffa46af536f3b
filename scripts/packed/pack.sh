#!/usr/bin/env bash
# Builds and packs every published package with `pnpm pack` (workspace: ranges
# and publishConfig applied, as `pnpm publish` does) into $1, then checks each
# tarball: publint, @arethetypeswrong/cli (ESM-only), and check-tarball.mjs
# (README, repository/homepage/bugs, no workspace: range or source condition,
# every source map's sources shipped).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out=${1:?usage: pack.sh <out-dir>}
mkdir -p "$out"
cd "$root"
"${PNPM[@]}" exec turbo run build --filter=tdx-shbuf... --filter=@tdx-shbuf/conformance --output-logs=errors-only
for dir in "${PUBLISHED[@]}"; do
  (cd "$dir" && "${PNPM[@]}" pack --pack-destination "$out" >/dev/null)
  tgz=$(tarball_of "$out" "$dir")
  [ -f "$tgz" ] || { echo "pack.sh: $dir did not produce $tgz" >&2; exit 1; }
  "${PNPM[@]}" exec publint run --strict "$tgz" >/dev/null || { "${PNPM[@]}" exec publint run --strict "$tgz"; exit 1; }
  "${PNPM[@]}" exec attw "$tgz" --profile esm-only --quiet
  node "$root/scripts/packed/check-tarball.mjs" "$tgz"
done
echo "pack.sh: ${#PUBLISHED[@]} tarballs in $out pass publint, attw and check-tarball"
