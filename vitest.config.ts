import { defineConfig } from 'vitest/config';

// One runner for unit and integration tests. Integration tests that need a peer (sshd,
// OpenStack, Chromium) start or find it themselves and skip loudly outside CI.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['node_modules/**', 'out/**', 'test/bench/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
