import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { manifestOf } from '../../src/manifest/manifest.js';
import type { Manifest } from '../../src/manifest/types.js';
import type { JailPlan, PlanEntry } from '../../src/plan/types.js';

export const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

export function dir(p: string, mode = 0o755, uid = 0, gid = 0, preserve = false): PlanEntry {
  return preserve
    ? { type: 'dir', path: p, mode, uid, gid, preserve }
    : { type: 'dir', path: p, mode, uid, gid };
}

export function gen(p: string, content: string, mode = 0o644, uid = 0, gid = 0): PlanEntry {
  return {
    type: 'generated',
    path: p,
    content,
    sha256: sha(content),
    size: Buffer.byteLength(content),
    mode,
    uid,
    gid,
  };
}

export function file(p: string, source: string, mode = 0o644, uid = 0, gid = 0): PlanEntry {
  const buf = readFileSync(source);
  return { type: 'file', path: p, source, sha256: sha(buf), size: statSync(source).size, mode, uid, gid };
}

export function plan(entries: PlanEntry[], source = '/'): JailPlan {
  return { format: 1, name: 'test', source, entries, notes: [], run: {}, audit: { allow: [] } };
}

/**
 * A small jail with every kind of place an escape could aim at: /etc, /tmp, a library directory,
 * a preserved home owned by uid 1000 and a user-owned data directory.
 */
export function basicPlan(srcDir: string, version = 'v1'): JailPlan {
  mkdirSync(srcDir, { recursive: true });
  const lib = path.join(srcDir, 'libdemo.so');
  writeFileSync(lib, 'not really a library\n');
  return plan([
    dir('/'),
    dir('/etc'),
    gen('/etc/passwd', 'root:x:0:0::/root:/bin/false\njail:x:1000:1000::/home/jail:/bin/false\n'),
    gen('/etc/version', `${version}\n`),
    dir('/tmp', 0o1777),
    dir('/usr'),
    dir('/usr/lib'),
    file('/usr/lib/libdemo.so', lib, 0o755),
    dir('/home'),
    dir('/home/jail', 0o750, 1000, 1000, true),
    dir('/srv'),
    dir('/srv/data', 0o755, 1000, 1000),
  ]);
}

/**
 * An "outside" tree standing for the host: files and directories with known content, modes and
 * owners. `snapshot` captures everything an escape could alter (existence, content, mode, owner).
 */
export function makeOutside(root: string): string {
  for (const d of ['etc', 'tmp', 'lib', 'home', 'home/jail'])
    mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, 'etc/passwd'), 'host-passwd\n');
  writeFileSync(path.join(root, 'etc/version'), 'host-version\n');
  writeFileSync(path.join(root, 'lib/libdemo.so'), 'host-lib\n');
  writeFileSync(path.join(root, 'tmp/keep'), 'host-tmp\n');
  writeFileSync(path.join(root, 'home/secret'), 'host-secret\n');
  chmodSync(path.join(root, 'home/secret'), 0o600);
  chownSync(path.join(root, 'home/jail'), 0, 0);
  chmodSync(path.join(root, 'lib'), 0o700);
  return root;
}

export function snapshot(root: string): Manifest {
  return manifestOf(root);
}
