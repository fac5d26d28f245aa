/**
 * Host programs are looked up in fixed system directories, never in the caller's PATH, so a PATH
 * entry cannot substitute one of them (sandbox tools, runtimes, setfacl...).
 */
import { accessSync, constants } from 'node:fs';
import { ROOT_PATH_DIRS } from './root-path.js';

/** The directories of root's PATH (root-path.ts): where the host's own programs are installed. */
export const SYSTEM_DIRS: readonly string[] = ROOT_PATH_DIRS;

/** An executable `name` in `dirs` (a name with a '/' is taken as the path it is), or null. */
export function findHostTool(name: string, dirs: readonly string[] = SYSTEM_DIRS): string | null {
  for (const p of name.includes('/') ? [name] : dirs.map((d) => `${d}/${name}`)) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}
