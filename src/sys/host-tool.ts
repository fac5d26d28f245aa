/**
 * Host programs are looked up in fixed system directories, never in the caller's PATH, so a PATH
 * entry cannot substitute one of them (sandbox tools, runtimes, setfacl...).
 */
import { accessSync, constants } from 'node:fs';

export const SYSTEM_DIRS: readonly string[] = [
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

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
