import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Child processes and real git dominate; two cores.
    pool: 'forks',
    // Nothing a test runs may leave this machine: live checks refuse non-loopback endpoints.
    env: { NO_COLOR: '1', HARNESS_LOOPBACK_ONLY: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
