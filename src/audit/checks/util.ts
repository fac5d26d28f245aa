import path from 'node:path';
import type { Check, Entry, Finding, Severity } from '../types.js';

/** A finding for an entry, carrying the raw bytes of its path when the printable form escaped them. */
export function finding(
  check: Pick<Check, 'id'>,
  severity: Severity,
  e: Pick<Entry, 'path' | 'raw'>,
  message: string,
): Finding {
  const f: Finding = { id: check.id, severity, path: e.path, message };
  if (e.raw) f.pathBase64 = e.raw.toString('base64');
  return f;
}

export function at(check: Pick<Check, 'id'>, severity: Severity, p: string, message: string): Finding {
  return { id: check.id, severity, path: p, message };
}

/** Directories that are root-only by definition (breakout-catalog §2 "System dirs"). */
const SYSTEM_EXACT = new Set([
  '/',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/usr',
  '/etc',
  '/dev',
  '/var',
]);
/** Subtrees whose every directory and file is system: binaries, libraries, configuration. */
const SYSTEM_TREES = /^\/(?:bin|sbin|lib|lib32|lib64|libx32|usr|etc)(?:\/|$)/;
/** Parts of system trees that may be user-writable by design (catalog FP notes). */
const USER_AREAS = /^\/(?:tmp|var\/tmp|dev\/shm|home\/[^/]+|run\/user\/\d+)(?:\/|$)/;

export function isSystemDir(p: string): boolean {
  return (SYSTEM_EXACT.has(p) || SYSTEM_TREES.test(p)) && !USER_AREAS.test(p);
}

/** A regular file counts as system when it lies in a system subtree or directly in '/'. */
export function isSystemFile(p: string): boolean {
  return (SYSTEM_TREES.test(p) || path.posix.dirname(p) === '/') && !USER_AREAS.test(p);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** glibc's 64-bit dev_t split. */
export function majorMinor(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}
