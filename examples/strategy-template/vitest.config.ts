import { defineConfig } from 'vitest/config';

// The "source" export condition lets the tests import this package by name from
// src/ without a build (and, inside the tdx-shbuf monorepo, @tdx-shbuf/* from
// their sources too). Published @tdx-shbuf packages do not carry the condition,
// so from npm they resolve to their dist/ as usual. Vitest resolves in Vite's
// SSR environment, which reads ssr.resolve.conditions.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: { testTimeout: 30_000, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
