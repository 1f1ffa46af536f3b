import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source (the "source" export condition).
// Vitest runs tests in Vite's SSR environment, which reads ssr.resolve.conditions.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source', 'node', 'import', 'default'] } },
  test: { testTimeout: 30_000, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
