import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import { octalMode, writeFileAtomic } from '../sys/index.js';
import { checkJailPath, jailParent, under } from './jail-path.js';

/**
 * Small edits of a jail that is in use (login users: their passwd lines, homes, allow-lists),
 * where a whole rebuild is not possible because the spec is not at hand. Same rules as the
 * builder: string checks first, then every directory from the jail root down to the one written
 * in must be a real directory (never a link), root-owned and writable by nobody else, so a jail
 * user cannot redirect a write by swapping a component. Files are replaced by rename, never
 * rewritten in place, and opened O_NOFOLLOW|O_EXCL.
 */
export interface Owner {
  mode: number;
  uid: number;
  gid: number;
}

/** Host path of jail directory `dir` after checking every directory from the root down to it. */
export function safeJailDir(root: string, dir: string): string {
  checkJailPath(dir);
  const parts = dir === '/' ? [] : dir.slice(1).split('/');
  let cur = '';
  for (let i = 0; i <= parts.length; i++) {
    if (i > 0) cur += `/${parts[i - 1]}`;
    const host = under(root, cur || '/');
    const st = lstatSync(host);
    const why = !st.isDirectory()
      ? st.isSymbolicLink()
        ? 'a symlink'
        : 'not a directory'
      : st.uid !== 0
        ? `owned by uid ${st.uid}`
        : (st.mode & 0o022) !== 0
          ? `mode ${octalMode(st.mode)} is group/other-writable`
          : '';
    if (why !== '') {
      throw new RootError(
        'ROOT_LIVE_UNSAFE_DIR',
        `refusing to write in the jail below ${cur || '/'}: ${why}`,
        {
          path: host,
        },
      );
    }
  }
  return under(root, dir);
}

/** Reads a jail file through checked directories, refusing a link; undefined when absent. */
export function readJailFile(root: string, p: string): string | undefined {
  try {
    safeJailDir(root, jailParent(p));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  let fd: number;
  try {
    fd = openSync(under(root, p), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw new RootError('ROOT_LIVE_READ', `cannot read ${p} in the jail (${errnoCode(e)})`, {
      path: under(root, p),
    });
  }
  try {
    if (!fstatSync(fd).isFile())
      throw new RootError('ROOT_LIVE_READ', `${p} in the jail is not a regular file`, {
        path: under(root, p),
      });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Replaces (or creates) a jail file with `content`, owned and moded as given, atomically. */
export function replaceJailFile(root: string, p: string, content: string, own: Owner): void {
  const dir = safeJailDir(root, jailParent(p));
  const name = p.slice(p.lastIndexOf('/') + 1);
  // dir is the checked host directory: the file is made and renamed there, never through a link.
  writeFileAtomic(`${dir}/${name}`, content, { mode: own.mode, owner: { uid: own.uid, gid: own.gid } });
}

/** Removes a jail file (not a directory); absent is fine. */
export function removeJailFile(root: string, p: string): void {
  safeJailDir(root, jailParent(p));
  try {
    const st = lstatSync(under(root, p));
    if (st.isDirectory())
      throw new RootError('ROOT_LIVE_IS_DIR', `${p} is a directory`, { path: under(root, p) });
    unlinkSync(under(root, p));
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
}

/**
 * Makes directory `p` (its missing parents root-owned 0755, each checked as above) with the given
 * owner and mode. Returns false, changing nothing, when a directory is already there.
 */
export function makeJailDir(root: string, p: string, own: Owner): boolean {
  checkJailPath(p);
  const parent = jailParent(p);
  try {
    safeJailDir(root, parent);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    makeJailDir(root, parent, { mode: 0o755, uid: 0, gid: 0 });
  }
  const host = under(root, p);
  try {
    mkdirSync(host, { mode: 0o700 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    if (!lstatSync(host).isDirectory())
      throw new RootError('ROOT_LIVE_NOT_DIR', `${p} exists in the jail and is not a directory`, {
        path: host,
      });
    return false;
  }
  // Owner and mode set on the directory itself, never through a name someone could swap.
  const fd = openSync(host, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchownSync(fd, own.uid, own.gid);
    fchmodSync(fd, own.mode);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes directory `p` and everything in it. Its parent chain is checked; inside, links are
 * removed, never followed (rm's recursive walk unlinks a symlink rather than descending).
 */
export function removeJailTree(root: string, p: string): void {
  checkJailPath(p);
  if (p === '/') throw new RootError('ROOT_LIVE_ROOT', 'refusing to remove the jail root', { path: root });
  safeJailDir(root, jailParent(p));
  rmSync(under(root, p), { recursive: true, force: true });
}

/** Removes directory `p` if it is empty (what an earlier edit made and nothing uses any more). */
export function removeEmptyJailDir(root: string, p: string): void {
  checkJailPath(p);
  try {
    safeJailDir(root, jailParent(p));
    rmdirSync(under(root, p));
  } catch {
    // not empty, or already gone: leave it
  }
}
