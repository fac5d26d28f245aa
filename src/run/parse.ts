/** Pure parsers for the run command's option strings; every mistake is a UsageError (exit 2). */
import { UsageError } from '../errors.js';
import type { BindMount, RunLimits } from './types.js';

const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** "256M" → 268435456. Integers only; K/M/G are powers of 1024, case-insensitive. */
export function parseSize(text: string, what: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) {
    throw new UsageError(
      'RUN_BAD_SIZE',
      `${what}: expected a number with an optional K, M or G suffix, got "${text}"`,
    );
  }
  const n = Number(m[1]) * (SUFFIX[(m[2] as string).toUpperCase()] as number);
  if (!Number.isSafeInteger(n)) throw new UsageError('RUN_BAD_SIZE', `${what}: ${text} is too large`);
  return n;
}

const LIMIT_KEYS = ['cpu', 'mem', 'nproc', 'fsize', 'nofile'] as const;
type LimitKey = (typeof LIMIT_KEYS)[number];

/** "cpu=5,mem=256M,nproc=32" (repeatable; later keys win). */
export function parseLimits(specs: readonly string[]): RunLimits {
  const out: RunLimits = {};
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const key = part.slice(0, eq).trim();
      if (eq < 0 || !(LIMIT_KEYS as readonly string[]).includes(key)) {
        throw new UsageError('RUN_BAD_LIMIT', `--limit: "${part}" is not one of ${LIMIT_KEYS.join('=, ')}=`, {
          hint: 'e.g. --limit cpu=10,mem=256M,nproc=32,fsize=10M,nofile=64',
        });
      }
      const n = parseSize(part.slice(eq + 1), `--limit ${key}`);
      if (n < 1) throw new UsageError('RUN_BAD_LIMIT', `--limit ${key} must be at least 1`);
      out[key as LimitKey] = n;
    }
  }
  return out;
}

/** "SRC:DST[:ro|rw]"; read-only unless :rw. Paths with ':' are not supported. */
export function parseBind(spec: string): BindMount {
  const parts = spec.split(':');
  let mode = 'ro';
  if (parts.length === 3) mode = parts.pop() as string;
  const [source, target] = parts;
  if (parts.length !== 2 || !source || !target || (mode !== 'ro' && mode !== 'rw')) {
    throw new UsageError('RUN_BAD_BIND', `--bind: expected SRC:DST[:ro|rw], got "${spec}"`);
  }
  if (!target.startsWith('/')) {
    throw new UsageError('RUN_BAD_BIND', `--bind: the jail path must be absolute, got "${target}"`);
  }
  if (target.split('/').includes('..')) {
    // Said here, as the spec says it for paths: '..' would name a place outside the jail.
    throw new UsageError('RUN_BAD_BIND', `--bind: the jail path may not contain '..', got "${target}"`);
  }
  return { source, target, readOnly: mode === 'ro' };
}

/** "K=V" pairs into a record; K must be a portable variable name. */
export function parseEnv(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq);
    if (eq < 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new UsageError('RUN_BAD_ENV', `--env: expected NAME=VALUE, got "${spec}"`);
    }
    out[key] = spec.slice(eq + 1);
  }
  return out;
}

/** Seconds for --timeout: a positive number (fractions allowed). */
export function parseSeconds(value: unknown, what: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError('RUN_BAD_TIMEOUT', `${what} must be a positive number of seconds`);
  return n;
}
