import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source ("source" export condition), so
// they run without a prior build; Vitest resolves in Vite's SSR environment,
// which reads ssr.resolve.conditions rather than resolve.conditions.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  // strategies named in configs are resolved by core's loader at run time: from source too
  test: { testTimeout: 30_000, include: ['src/**/*.test.ts', 'test/**/*.test.ts'], env: { TDX_SHBUF_CONDITIONS: 'source,import,default' } },
});
