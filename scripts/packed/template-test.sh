#!/usr/bin/env bash
# examples/strategy-template works outside the monorepo: copied to an empty
# folder, with @tdx-shbuf/* from the packed tarballs in $1 (pack.sh) and
# everything else from npm, it type-checks and passes its conformance tests.
# Follows the template README's "Make it yours" steps 5 and 7: real ranges
# instead of workspace:, and test/docs.test.ts removed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
packs=$(cd "${1:?usage: template-test.sh <pack-dir>}" && pwd)
work=$(outside_tmp template)
trap 'rm -rf "$work"' EXIT
app="$work/strategy-mine"
mkdir -p "$app"
(cd "$root/examples/strategy-template" && tar cf - --exclude=node_modules --exclude=dist --exclude=.turbo --exclude=turbo.json .) | tar xf - -C "$app"
rm "$app/test/docs.test.ts"
node - "$app/package.json" "$(tarball_of "$packs" packages/core)" "$(tarball_of "$packs" packages/conformance)" "$(tarball_of "$packs" packages/tdx-formats)" <<'JS'
const fs = require('node:fs');
const [file, core, conformance, formats] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.peerDependencies['@tdx-shbuf/core'] = pkg.peerDependencies['@tdx-shbuf/core'].replace(/^workspace:/, '');
Object.assign(pkg.devDependencies, {
  '@tdx-shbuf/core': `file:${core}`,
  '@tdx-shbuf/conformance': `file:${conformance}`,
  // core's own dependency, not on the registry yet: the tarball satisfies its range
  '@tdx-shbuf/tdx-formats': `file:${formats}`,
});
if (JSON.stringify(pkg).includes('workspace:')) throw new Error('a workspace: range is left');
fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
JS
cd "$app"
echo "template-test: npm install in $app"
npm install --no-package-lock --loglevel=error
[ -f node_modules/@tdx-shbuf/core/dist/index.js ] || { echo "template-test: core did not come from its tarball" >&2; exit 1; }
npx tsc -p tsconfig.json --noEmit
npx vitest run --reporter=dot
npx tsc -p tsconfig.build.json
node -e "import('@tdx-shbuf/strategy-template').then((m) => { if (m.default.kind !== 'tdx-shbuf-strategy') throw new Error('not a strategy'); console.log('template-test: built package imports as a strategy:', m.default.meta.name); })"
