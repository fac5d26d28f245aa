/** Pure parsers for the run command's option strings; every mistake is a UsageError (exit 2). */
import { UsageError } from '../errors.js';
import type { BindMount, RunLimits, TmpfsMount } from './types.js';

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

const LIMIT_KEYS = ['cpu', 'mem', 'nproc', 'cores', 'as', 'fsize', 'nofile'] as const;
type LimitKey = (typeof LIMIT_KEYS)[number];
/** The spec schema's names for the same limits. */
export const LIMIT_ALIASES: Record<string, LimitKey> = { memory: 'mem', pids: 'nproc' };

/** "0.5" cores: a positive number, at most the machine's 1024. */
function parseCores(text: string): number {
  const n = Number(text.trim());
  if (!/^\d*\.?\d+$/.test(text.trim()) || !(n > 0) || n > 1024) {
    throw new UsageError(
      'RUN_BAD_LIMIT',
      `--limit cores: expected a positive number of cores such as 0.5 or 2, got "${text}"`,
    );
  }
  return n;
}

/** "cpu=5,mem=256M,nproc=32,cores=0.5" (repeatable; later keys win). */
export function parseLimits(specs: readonly string[]): RunLimits {
  const out: RunLimits = {};
  for (const spec of specs) {
    for (const part of spec.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      const given = part.slice(0, eq).trim();
      const key = LIMIT_ALIASES[given] ?? given;
      if (eq < 0 || !(LIMIT_KEYS as readonly string[]).includes(key)) {
        throw new UsageError('RUN_BAD_LIMIT', `--limit: "${part}" is not one of ${LIMIT_KEYS.join('=, ')}=`, {
          hint: 'e.g. --limit cpu=10,mem=256M,nproc=32,cores=0.5,fsize=10M,nofile=64',
        });
      }
      if (key === 'cores') {
        out.cores = parseCores(part.slice(eq + 1));
        continue;
      }
      const n = parseSize(part.slice(eq + 1), `--limit ${key}`);
      if (n < 1) throw new UsageError('RUN_BAD_LIMIT', `--limit ${key} must be at least 1`);
      out[key as Exclude<LimitKey, 'cores'>] = n;
    }
  }
  return out;
}

/** "PATH[:SIZE][:exec]" for --tmpfs, e.g. /home/app:64M. */
export function parseTmpfs(spec: string): TmpfsMount {
  const parts = spec.split(':');
  const target = parts.shift() ?? '';
  const out: TmpfsMount = { path: target };
  for (const p of parts) {
    if (p === 'exec') out.exec = true;
    else out.size = parseSize(p, `--tmpfs ${target}`);
  }
  if (!target.startsWith('/') || target.split('/').includes('..')) {
    throw new UsageError(
      'RUN_BAD_TMPFS',
      `--tmpfs: expected an absolute jail path without '..', got "${spec}"`,
      {
        hint: 'e.g. --tmpfs /home/app:64M',
      },
    );
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
