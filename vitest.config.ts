import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `unit`: pure tests — no root, no host tools, no host paths read (in-jail paths in them are data),
 * seconds in all: `npx vitest run --project unit` while editing. `host`: everything else (real
 * chroots, mounts, cgroups, tools). `npm test` runs both.
 */
const UNIT = [
  'test/arch/**/*.test.ts',
  'test/build/makejail-loop.test.ts',
  'test/build/pure.test.ts',
  'test/cli/commands-table.test.ts',
  'test/pack/tar-header.test.ts',
  'test/run/cgroup.test.ts',
  'test/script/blob-tar.test.ts',
  'test/spec/**/*.test.ts',
  'test/sys/**/*.test.ts',
  'test/trace/parse.test.ts',
  'test/util/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // No shared source-facts cache (build/source-caches.ts) outside the tests that ask for one.
    env: { JAILSMITH_CACHE: 'off' },
    reporters: ['default', 'json'],
    outputFile: { json: '.cache/vitest-results.json' },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: UNIT },
      },
      {
        extends: true,
        test: {
          name: 'host',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT],
          // Root-only tests mount, chroot and mknod in shared /tmp trees; forks isolate their process state.
          pool: 'forks',
        },
      },
    ],
  },
});
