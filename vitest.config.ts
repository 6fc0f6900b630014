import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src-core/test/**/*.test.ts', 'server/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60000,
    pool: 'threads',
  },
});
