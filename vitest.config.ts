import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes and real git dominate; two cores.
    pool: 'forks',
    env: { NO_COLOR: '1' },
  },
});
