import { lstatSync } from 'node:fs';
import type { RootView } from './root-view.js';

/**
 * PATH of a root login on Debian and Fedora: where bare program names are looked up inside a root
 * (spec binaries, jailkit imports, `env` targets) and the PATH traced and packaged jobs get.
 */
export const ROOT_PATH_DIRS: readonly string[] = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

/** ROOT_PATH_DIRS as a PATH value. */
export const ROOT_PATH = ROOT_PATH_DIRS.join(':');

/** A regular file once the root's links are followed (and with an execute bit, when `exec`). */
export function isFileInRoot(root: RootView, inRoot: string, exec = true): boolean {
  const real = root.realpath(inRoot);
  if (!real) return false;
  try {
    const st = lstatSync(root.host(real.path));
    return st.isFile() && (!exec || (st.mode & 0o111) !== 0);
  } catch {
    return false; // unreadable: not found
  }
}

/**
 * The first `dir/name` on `dirs` (ROOT_PATH_DIRS by default; relative entries ignored, as a
 * login's PATH never has them) that is a regular file inside the root, with an execute bit unless
 * `exec` is false (jailkit lists data files by name too). Returns the unresolved in-root path.
 */
export function findOnPath(
  root: RootView,
  name: string,
  opts: { dirs?: readonly string[]; exec?: boolean } = {},
): string | null {
  for (const dir of opts.dirs ?? ROOT_PATH_DIRS) {
    if (!dir.startsWith('/')) continue;
    const p = `${dir.replace(/\/+$/, '')}/${name}`;
    if (isFileInRoot(root, p, opts.exec ?? true)) return p;
  }
  return null;
}
