import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `pnpm --filter tdx-shbuf test:browser`: report.html in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core). Kept out of `pnpm test`, which needs no browser; .ci/run runs both.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['test/browser/**/*.browser.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
