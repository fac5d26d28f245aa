import {
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, RootError } from '../errors.js';
import { octalMode } from '../sys/index.js';

/** Owners we trust for a directory above a jail: root, and whoever runs jailsmith. */
function trustedOwner(uid: number): boolean {
  return uid === 0 || uid === process.geteuid?.();
}

/**
 * A directory nobody else can rename entries in: owned by a trusted user and not writable by
 * group or others, unless sticky (then others cannot move what they do not own, like /tmp).
 */
export function isSafeDir(st: Stats): boolean {
  return trustedOwner(st.uid) && ((st.mode & 0o022) === 0 || (st.mode & 0o1000) !== 0);
}

const MAX_LINKS = 40;

/**
 * Refuses a target directory whose ancestors someone other than root could change: every
 * directory met on the way from / to DIR's parent (following symlinks as the kernel would) must
 * be safe, and every symlink met must be owned by a trusted user (a user's link in a sticky
 * directory can be swapped by that user). Without this, a staging tree or the swap could be
 * redirected by whoever controls an ancestor.
 */
export function checkAncestors(dir: string): void {
  walkAncestors(dir, false);
}

/**
 * checkAncestors, creating each missing ancestor (0755, owned by us) as it goes, so
 * `build SPEC /srv/jails/python` works on a fresh machine. A directory is made only inside one
 * that passed the check, so nobody else can have raced a link into its place; each new one is
 * checked like any other.
 */
export function ensureAncestors(dir: string): void {
  walkAncestors(dir, true);
}

function walkAncestors(dir: string, create: boolean): void {
  // DIR itself is not an ancestor: its parent is the last directory checked.
  const stack = path.dirname(path.resolve(dir)).split('/').filter(Boolean).reverse();
  let cur = '/';
  checkOne('/', lstatSync('/'));
  let hops = 0;
  while (stack.length > 0) {
    const comp = stack.pop() as string;
    if (comp === '.') continue;
    if (comp === '..') {
      cur = path.posix.dirname(cur);
      continue;
    }
    const next = cur === '/' ? `/${comp}` : `${cur}/${comp}`;
    let st: Stats;
    try {
      st = create ? lstatOrMkdir(next) : lstatSync(next);
    } catch (e) {
      if (e instanceof RootError) throw e;
      throw new RootError(
        'ROOT_ANCESTOR_MISSING',
        `parent directory does not exist (${errnoCode(e)}); create it first, root-owned 0755`,
        {
          path: next,
        },
      );
    }
    if (st.isSymbolicLink()) {
      if (!trustedOwner(st.uid)) throw unsafe(next, `a symlink owned by uid ${st.uid}`);
      if (++hops > MAX_LINKS) throw unsafe(next, 'too many levels of symbolic links');
      const target = readlinkSync(next);
      if (target.startsWith('/')) cur = '/';
      stack.push(...target.split('/').filter(Boolean).reverse());
      continue;
    }
    if (!st.isDirectory()) {
      throw new RootError('ROOT_ANCESTOR_NOT_DIR', 'an ancestor of the jail is not a directory', {
        path: next,
      });
    }
    checkOne(next, st);
    cur = next;
  }
}

function lstatOrMkdir(p: string): Stats {
  try {
    return lstatSync(p);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  try {
    mkdirSync(p, { mode: 0o755 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    return lstatSync(p); // made meanwhile (by root: the parent is safe); checked as found
  }
  // The umask may have narrowed the mode; set it on the directory itself, never through a link.
  const fd = openSync(p, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, 0o755);
  } finally {
    closeSync(fd);
  }
  return lstatSync(p);
}

function checkOne(p: string, st: Stats): void {
  if (!trustedOwner(st.uid)) throw unsafe(p, `owned by uid ${st.uid}`);
  if (!isSafeDir(st)) throw unsafe(p, `mode ${octalMode(st.mode)} is group/other-writable`);
}

function unsafe(p: string, why: string): RootError {
  return new RootError(
    'ROOT_UNSAFE_ANCESTOR',
    `unsafe ancestor of the jail directory: ${why}; use a root-owned directory only root can write (e.g. /srv/jails) or pass --unsafe-ancestors`,
    {
      path: p,
    },
  );
}
