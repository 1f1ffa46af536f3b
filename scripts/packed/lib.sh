# Shared by the packed-tarball tests: where the repository is, how to run pnpm,
# and a temp folder that no node_modules above it can leak into.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if command -v pnpm >/dev/null 2>&1; then PNPM=(pnpm); else PNPM=(npx -y pnpm@12.4.2); fi
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

# The published packages, in dependency order.
PUBLISHED=(packages/tdx-formats packages/core packages/conformance packages/strategy-direct-map packages/strategy-dma-swiotlb packages/strategy-open-coded packages/strategy-shared-pool packages/strategy-vmap-noalias apps/quote-driver)

# A fresh folder outside the workspace with no node_modules in any folder above it.
outside_tmp() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tdx-shbuf-$1-XXXXXX")
  case "$dir/" in "$root/"*) echo "packed test: $dir is inside the workspace $root" >&2; return 1 ;; esac
  local up=$dir
  while [ "$up" != / ]; do
    up=$(dirname "$up")
    if [ -e "$up/node_modules" ] || [ -e "$up/package.json" ]; then echo "packed test: $up/node_modules or package.json would leak into $dir" >&2; return 1; fi
  done
  echo "$dir"
}

# Path of the tarball of package folder $2 in pack folder $1.
tarball_of() {
  local name version
  name=$(node -p "require('$root/$2/package.json').name")
  version=$(node -p "require('$root/$2/package.json').version")
  echo "$1/$(echo "$name" | sed 's/^@//; s#/#-#')-$version.tgz"
}
