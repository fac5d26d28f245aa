import path from 'node:path';
import type { Entry } from '../types.js';

/** Where a host tool without rooted resolution lands when it follows the link (lexically). */
export function hostResolution(jail: string, e: Entry): string {
  const target = e.target ?? '';
  if (target.startsWith('/')) return path.posix.normalize(target);
  return path.posix.resolve(jail + path.posix.dirname(e.path), target);
}

export function leavesJail(jail: string, e: Entry): boolean {
  const r = hostResolution(jail, e);
  return !(r === jail || r.startsWith(`${jail}/`));
}

/** Standard /dev links to the process's own fds (magic-link reports them as info). */
export const STD_FD_LINKS: Record<string, string> = {
  '/dev/fd': '/proc/self/fd',
  '/dev/stdin': '/proc/self/fd/0',
  '/dev/stdout': '/proc/self/fd/1',
  '/dev/stderr': '/proc/self/fd/2',
};

export function isStdFdLink(e: Entry): boolean {
  return STD_FD_LINKS[e.path] === e.target;
}
