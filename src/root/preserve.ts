import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  type Stats,
  unlinkSync,
} from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import { isSafeDir } from './ancestors.js';
import { checkJailPath, isWithin, under } from './jail-path.js';
import { removeTree } from './tree-ops.js';

/** A directory of user data (homes): moved from the old jail into the new one, never copied. */
export interface PreservedDir {
  path: string;
  mode: number;
  uid: number;
  gid: number;
}

/** The outermost of the preserved directories (one inside another moves with it). */
export function outermost<T extends { path: string }>(dirs: T[]): T[] {
  const sorted = [...dirs].sort((a, b) => a.path.length - b.path.length);
  const out: T[] = [];
  for (const d of sorted) if (!out.some((o) => isWithin(d.path, o.path))) out.push(d);
  return out;
}

export type PreservedState = 'dir' | 'absent' | 'not-dir' | 'link-in-path';

/**
 * Looks at `p` under `root` with lstat only. Every directory from the root down to p's parent
 * must be one nobody but root can rename entries in, or a jail user could swap a link in between
 * this check and the rename: that is refused with an error (the data stays where it is). A link
 * on the way, or p itself being a link or a file, means there is nothing we may move.
 */
export function inspectPreserved(root: string, p: string): PreservedState {
  checkJailPath(p);
  const comps = p.split('/').filter(Boolean);
  let cur = '';
  for (let i = 0; i < comps.length; i++) {
    const parentHost = under(root, cur || '/');
    const pst = lstatSync(parentHost);
    if (!pst.isDirectory()) return 'link-in-path';
    if (!isSafeDir(pst)) {
      throw new RootError(
        'ROOT_PRESERVE_UNSAFE',
        `cannot keep ${p}: ${cur || '/'} in the existing jail is writable by others; make it root-owned and not group/other-writable, then rebuild`,
        { path: parentHost },
      );
    }
    cur = `${cur}/${comps[i]}`;
    let st: Stats;
    try {
      st = lstatSync(under(root, cur));
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return 'absent';
      throw e;
    }
    if (i < comps.length - 1 && !st.isDirectory()) return 'link-in-path';
    if (i === comps.length - 1) return st.isDirectory() ? 'dir' : 'not-dir';
  }
  return 'absent';
}

/**
 * Moves preserved directory `d` from `fromRoot` to `toRoot` by rename. With `replace`, what the
 * new tree holds there (our own staging, planned contents) gives way to the user's data; without
 * it (recovery into a live jail) only an absent or empty directory is replaced. The moved
 * directory is checked again where it landed, then gets the plan's owner and mode.
 */
export async function movePreserved(
  fromRoot: string,
  toRoot: string,
  d: PreservedDir,
  replace: boolean,
): Promise<boolean> {
  if (inspectPreserved(fromRoot, d.path) !== 'dir') return false;
  const dest = under(toRoot, d.path);
  const there = inspectPreserved(toRoot, d.path);
  if (there === 'link-in-path') return false;
  if (there === 'dir') {
    if (replace) await removeTree(dest);
    else if (readdirSync(dest).length === 0) rmdirSync(dest);
    else return false;
  } else if (there === 'not-dir') {
    if (!replace) return false;
    unlinkSync(dest);
  }
  renameSync(under(fromRoot, d.path), dest);
  const st = lstatSync(dest);
  if (!st.isDirectory()) {
    // Swapped for a link or file after the check (only root could): never chmod through it.
    unlinkSync(dest);
    mkdirSync(dest, 0o700);
  }
  lchownSync(dest, d.uid, d.gid);
  chmodSync(dest, d.mode & 0o7777);
  return true;
}
