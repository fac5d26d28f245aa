// Shared by the bench scripts: a command timed by GNU time, whose CPU seconds (user+sys, children
// included) and peak RSS swing far less with a shared 2-core machine's load than wall time does.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';

export function run(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'JSTIME %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 512 * 2 ** 20,
    ...opts,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.slice(0, 3).join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-400)}`,
    );
  }
  const m = /JSTIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '') ?? [];
  return { seconds, cpu: Number(m[1]) + Number(m[2]), rssMB: Number(m[3]) / 1024, stdout: r.stdout };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Removes a jail and the build state kept beside it, so the next build is truly cold. */
export function cleanJail(p) {
  rmSync(p, { recursive: true, force: true });
  rmSync(path.join(path.dirname(p), `.${path.basename(p)}.jailsmith-state.json`), { force: true });
}
