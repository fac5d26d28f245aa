// Compiles src/run/enter.c to dist/run/jailsmith-enter (part of `npm run build`). Without a C
// compiler the build goes on: `jailsmith run` then uses util-linux `unshare --root --setuid` as its
// last step, which leaves four capabilities in the job's bounding set and installs no seccomp
// filter (see src/run/chain.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const src = new URL('../src/run/enter.c', import.meta.url).pathname;
const out = new URL('../dist/run/jailsmith-enter', import.meta.url).pathname;
mkdirSync(new URL('../dist/run/', import.meta.url), { recursive: true });
const cc = process.env.CC ?? 'cc';
const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-o', out, src], { stdio: 'inherit' });
if (r.error || r.status !== 0) {
  console.warn(
    `build-enter: ${cc} could not build ${out}; jailsmith run will use unshare --root instead ` +
      '(four capabilities left in the bounding set, no seccomp filter)',
  );
}
