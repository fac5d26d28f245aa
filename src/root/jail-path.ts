import { RootError } from '../errors.js';

/**
 * String checks every jail path passes before it touches the disk: absolute, no empty, `.` or
 * `..` component, no NUL. A path that passes names a place under the jail root by construction,
 * so joining it to the root can never climb out.
 */
export function checkJailPath(p: string): string {
  if (typeof p !== 'string' || !p.startsWith('/')) {
    throw new RootError('ROOT_PATH_RELATIVE', 'jail path must be absolute', { path: String(p) });
  }
  if (p.includes('\0')) throw new RootError('ROOT_PATH_NUL', 'jail path contains a NUL byte', { path: p });
  if (p === '/' || !UNSAFE.test(p)) return p;
  const c = p
    .slice(1)
    .split('/')
    .find((x) => x === '' || x === '.' || x === '..');
  throw new RootError('ROOT_PATH_UNSAFE', `jail path has a "${c || '//'}" component`, { path: p });
}

/** A slash followed by an empty, `.` or `..` component: one test per path, every entry passes it. */
const UNSAFE = /\/(?:\.\.?)?(?:\/|$)/;

/** Parent of a checked jail path ('/' for a top-level name). */
export function jailParent(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Host path of a checked jail path under `root`. */
export function under(root: string, p: string): string {
  return p === '/' ? root : root + p;
}

/** True when `p` is `dir` or lies below it (both checked jail paths). */
export function isWithin(p: string, dir: string): boolean {
  return dir === '/' || p === dir || p.startsWith(`${dir}/`);
}
