import { defineConfig } from 'vitest/config';

// Integration suites start real DPDK processes on a 2-core machine, so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'vpp-api/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
