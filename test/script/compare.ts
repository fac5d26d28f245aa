import { compareBytes, type Manifest } from '../../src/manifest/index.js';
import type { JailPlan } from '../../src/plan/types.js';
import { octalMode } from '../../src/sys/index.js';

/** The manifest fields two jails must agree on (size and capability left out, as the issue says). */
export interface Facts {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
  sha256: string | null;
  target: string | null;
  rdev: [number, number] | null;
}

export function facts(m: Manifest): Facts[] {
  return m.entries.map(({ path, type, mode, uid, gid, sha256, target, rdev }) => ({
    path,
    type,
    mode,
    uid,
    gid,
    sha256,
    target,
    rdev,
  }));
}

/** The order manifestOf walks in: depth first, names sorted bytewise within each directory. */
export function treeOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compareBytes(x[i] as string, y[i] as string);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

/**
 * What `manifest` should show for a tree made from a plan: hard-linked sets appear as their first
 * path (bytewise) holding the content and the others as links to it, like manifestOf reports them.
 */
export function expectedFacts(plan: JailPlan): Facts[] {
  const byPath = new Map(plan.entries.map((e) => [e.path, e]));
  const inode = (p: string): string => {
    const e = byPath.get(p);
    return e?.type === 'hardlink' ? inode(e.target) : p;
  };
  const members = new Map<string, string[]>();
  for (const e of plan.entries) {
    if (e.type !== 'file' && e.type !== 'generated' && e.type !== 'hardlink') continue;
    const k = inode(e.path);
    members.set(k, [...(members.get(k) ?? []), e.path].sort(treeOrder));
  }
  const out: Facts[] = [];
  if (!byPath.has('/'))
    out.push({
      path: '/',
      type: 'dir',
      mode: '0755',
      uid: 0,
      gid: 0,
      sha256: null,
      target: null,
      rdev: null,
    });
  for (const e of plan.entries) {
    const base = {
      path: e.path,
      mode: octalMode(e.mode),
      uid: e.uid,
      gid: e.gid,
      sha256: null,
      target: null,
      rdev: null,
    };
    if (e.type === 'dir') out.push({ ...base, type: 'dir' });
    else if (e.type === 'symlink') out.push({ ...base, type: 'symlink', mode: '0777', target: e.target });
    else if (e.type === 'device') out.push({ ...base, type: e.device, rdev: [e.major, e.minor] });
    else {
      const owner = byPath.get(inode(e.path));
      if (!owner || owner.type === 'dir' || !('sha256' in owner)) throw new Error(`bad link ${e.path}`);
      const first = (members.get(inode(e.path)) as string[])[0] as string;
      const attrs = { mode: octalMode(owner.mode), uid: owner.uid, gid: owner.gid };
      if (first === e.path) out.push({ ...base, ...attrs, type: 'file', sha256: owner.sha256 });
      else out.push({ ...base, ...attrs, type: 'hardlink', target: first });
    }
  }
  return out.sort((a, b) => treeOrder(a.path, b.path));
}
