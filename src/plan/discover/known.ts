import { profileNames } from '../../spec/index.js';

// glibc's own objects: their fixed paths (/etc/hosts, /bin/sh, /usr/lib/locale) count only
// through the symbols that use them, or every jail would get all of them.
export const GLIBC =
  /\/(?:ld-linux[^/]*|ld-musl[^/]*|lib(?:c|m|dl|rt|pthread|resolv|util|anl|nsl|mvec|BrokenLocale|nss_[a-z]+|thread_db|memusage|SegFault)\.so[.\d]*)$/;

/** A ready-made profile for an interpreter (python3.11 → python3), by its name without version. */
export function profileFor(program: string): string | undefined {
  const stem = (n: string) => n.replace(/[\d.]+$/, '');
  const base = stem(program.slice(program.lastIndexOf('/') + 1));
  return profileNames().find((n) => stem(n) === base);
}
