// Shared by the bench scripts: a command timed by GNU time, whose CPU seconds (user+sys, children
// included) and peak RSS swing far less with a shared 2-core machine's load than wall time does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
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

/**
 * Directories for cold runs: a new one each time, all removed only by done(). On an ext4 without a
 * journal (this machine's), a file made within a minute of a mass delete has the allocator skip
 * every recently deleted inode (recently_deleted() in ext4's ialloc.c): whichever side of a
 * comparison followed a delete took up to 3x its time (cp -a of the python jail 0.29-0.65 s that
 * way, 0.09-0.11 s into fresh directories).
 */
export function freshDirs(parent, name) {
  const base = path.join(parent, `${name}-${process.pid}`);
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  let n = 0;
  return {
    next: () => path.join(base, String(n++)),
    done: () => rmSync(base, { recursive: true, force: true }),
  };
}
