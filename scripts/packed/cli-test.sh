#!/usr/bin/env bash
# The CLI as a user gets it: the tdx-shbuf tarball (and its @tdx-shbuf/*
# dependencies' tarballs from $1, since they are not on the registry yet)
# installed with npm into an empty folder, then --version, help, quote →
# inspect --trusted-root, a TypeScript config with defineConfig, run + report
# on the smoke experiment, the JSON Schemas by export path, and a consumer
# type-checked against the published types without @types/node.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
packs=$(cd "${1:?usage: cli-test.sh <pack-dir>}" && pwd)
work=$(outside_tmp cli)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "cli-test: $*" >&2; exit 1; }
expect_exit() { # expect_exit <code> <cmd…>: run, and fail unless it exits with <code>
  local want=$1; shift
  set +e; "$@"; local got=$?; set -e
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}

echo '{ "name": "cli-user", "private": true, "type": "module" }' > package.json
tarballs=()
for dir in "${PUBLISHED[@]}"; do [ "$dir" = packages/conformance ] || tarballs+=("$(tarball_of "$packs" "$dir")"); done
echo "cli-test: npm install ${#tarballs[@]} tarballs in $work"
npm install --no-package-lock --loglevel=error "${tarballs[@]}"

version=$(node -p "require('$root/apps/quote-driver/package.json').version")
[ "$(npx tdx-shbuf --version)" = "$version" ] || fail "--version is not $version"
npx tdx-shbuf help quote | grep -q -- '--report-data <hex|@file>' || fail 'help quote does not show --report-data'
expect_exit 2 npx tdx-shbuf inspect quote.bin --bogus 2> err.txt
[ "$(cat err.txt)" = "tdx-shbuf inspect: unknown option '--bogus'" ] || fail "unknown option: $(cat err.txt)"

hex=$(node -e "process.stdout.write('ab'.repeat(64))")
npx tdx-shbuf quote --report-data "$hex" -o quote.bin --root-out root.pem
npx tdx-shbuf inspect quote.bin --trusted-root root.pem | tee inspect.txt
grep -q '^verdict: verified$' inspect.txt || fail 'the quote does not verify against its simulated root'
grep -q "REPORTDATA     $hex" inspect.txt || fail 'the quote does not carry its REPORTDATA'
expect_exit 1 npx tdx-shbuf inspect quote.bin > /dev/null

# a TypeScript config found from the working folder, typed with defineConfig from the package
cat > tdx-shbuf.config.ts <<'TS'
import { defineConfig } from 'tdx-shbuf';

export default defineConfig({ strategy: ['open-coded', { preallocateBytes: 16384 }], platform: { memoryBytes: 2 * 2 ** 30, vcpus: 2 } });
TS
npx tdx-shbuf quote --report-data "$hex" -o quote2.bin --json > quote2.json
node -e "const q = JSON.parse(require('fs').readFileSync('quote2.json', 'utf8')); if (q.strategy !== 'open-coded' || !q.package.startsWith('@tdx-shbuf/strategy-open-coded@')) throw new Error('config not used: ' + q.strategy);"
rm tdx-shbuf.config.ts

cp "$root/experiments/smoke.yaml" smoke.yaml
sed -i 's#^\# yaml-language-server: .*#\# yaml-language-server: $schema=./node_modules/tdx-shbuf/schema/tdx-shbuf.experiment.schema.json#' smoke.yaml
npx tdx-shbuf run smoke.yaml --out out --quiet
node -e "
const r = JSON.parse(require('fs').readFileSync('out/results.json', 'utf8'));
const ok = r.rows.filter((row) => row.status === 'ok' && row.completed === row.requests);
if (ok.length !== 2) throw new Error('expected 2 complete runs, got ' + JSON.stringify(r.rows.map((row) => [row.label, row.status])));
"
npx tdx-shbuf report out > /dev/null
[ -s out/report.html ] || fail 'no report.html'

node --input-type=module -e "
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
for (const s of ['tdx-shbuf/schema/config.json', 'tdx-shbuf/schema/experiment.json']) {
  const j = require(s);
  if (!/^tdx-shbuf /.test(j.title)) throw new Error(s + ' has no title');
}
const api = await import('tdx-shbuf');
for (const f of ['defineConfig', 'defineExperiment', 'runExperiment', 'main']) if (typeof api[f] !== 'function') throw new Error('tdx-shbuf does not export ' + f);
"
[ -f node_modules/tdx-shbuf/schema/tdx-shbuf.config.schema.json ] || fail 'the \$schema path the README recommends does not exist'

# public types need no @types/node from the consumer: checked as a bundler/browser project would
# (lib DOM, which zod's own types need for URL; no node types, so Buffer, NodeJS.* or node:* fail)
npm install --no-package-lock --loglevel=error --no-save typescript@~5.9.3
cat > consumer.ts <<'TS'
import { kernelFor, Machine, PAGE_SIZE, type StrategyDefinition } from '@tdx-shbuf/core';
import { parseQuote, verifyQuote, type QuoteVerification } from '@tdx-shbuf/tdx-formats';
import directMap from '@tdx-shbuf/strategy-direct-map';
import { defineConfig, defineExperiment, main } from 'tdx-shbuf';

const m = new Machine({ memoryBytes: 2 * 2 ** 30, vcpus: 2 });
const k = kernelFor(m);
const pfn = k.allocPagesExact(2 * PAGE_SIZE, { zero: true });
const s: StrategyDefinition = directMap;
const v: (b: Uint8Array) => QuoteVerification = verifyQuote;
export const used = [pfn, s, v, parseQuote, main, defineConfig({ strategy: 'open-coded' }), defineExperiment({ name: 'x', strategies: ['direct-map'] })];
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "lib": ["ES2023", "DOM"], "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true, "types": [], "skipLibCheck": false }, "files": ["consumer.ts"] }
JSON
[ ! -e node_modules/@types/node ] || fail '@types/node was installed: the type check would prove nothing'
npx tsc -p tsconfig.json || fail 'the public types need something the consumer does not have (see above)'
echo "cli-test: tdx-shbuf@$version from its tarball: --version, help, quote, inspect, config.ts, run, report, schemas, types without @types/node: ok"
