import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Root-only tests mount, chroot and mknod in shared /tmp trees; forks isolate their process state.
    pool: 'forks',
    // No shared source-facts cache (build/source-caches.ts) outside the tests that ask for one.
    env: { JAILSMITH_CACHE: 'off' },
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
  },
});
