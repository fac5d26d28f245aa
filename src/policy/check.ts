/**
 * A RunPolicy read from outside (a package manifest, an image label, a jail's record): every key
 * checked for its type, unknown keys refused, so a shipped policy cannot smuggle in what the
 * model does not know. Returns the policy or the reason it is unusable.
 */
import type { PolicyBind, RunPolicy, TmpfsMount } from './types.js';

const KEYS = new Set([
  'user',
  'workdir',
  'env',
  'entrypoint',
  'cmd',
  'net',
  'limits',
  'tmpfs',
  'binds',
  'timeout',
  'seccomp',
  'auditAllow',
]);
const LIMITS = new Set(['cpu', 'mem', 'nproc', 'cores', 'as', 'fsize', 'nofile']);

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isJailPath = (v: unknown): v is string =>
  typeof v === 'string' && v.startsWith('/') && !v.split('/').includes('..') && !v.includes('\0');
const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

function checkLimits(v: unknown): string | null {
  if (!isObj(v)) return 'limits is not an object';
  for (const [k, n] of Object.entries(v)) {
    if (!LIMITS.has(k)) return `unknown limit ${k}`;
    if (!isPositive(n)) return `limit ${k} is not a positive number`;
  }
  return null;
}

function checkTmpfs(v: unknown): string | null {
  if (!Array.isArray(v)) return 'tmpfs is not a list';
  for (const t of v as Partial<TmpfsMount>[]) {
    if (!isObj(t) || !isJailPath(t.path)) return 'tmpfs entry has no absolute jail path';
    if (t.size !== undefined && !Number.isSafeInteger(t.size)) return `tmpfs ${t.path} has a bad size`;
    if (t.mode !== undefined && !(Number.isInteger(t.mode) && t.mode >= 0 && t.mode <= 0o7777))
      return `tmpfs ${t.path} has a bad mode`;
    if (t.exec !== undefined && typeof t.exec !== 'boolean') return `tmpfs ${t.path} has a bad exec`;
  }
  return null;
}

function checkBinds(v: unknown): string | null {
  if (!Array.isArray(v)) return 'binds is not a list';
  for (const b of v as Partial<PolicyBind>[]) {
    if (!isObj(b) || !isJailPath(b.target)) return 'bind has no absolute jail path';
    if (typeof b.readOnly !== 'boolean') return `bind ${b.target} has no readOnly`;
    if (b.source !== undefined && typeof b.source !== 'string') return `bind ${b.target} has a bad source`;
  }
  return null;
}

/** Each key's check: null when the value is acceptable, else why not. */
const CHECK: Record<string, (v: unknown) => string | null> = {
  user: (v) =>
    (typeof v === 'string' && v !== '') || (Number.isSafeInteger(v) && (v as number) >= 0)
      ? null
      : 'user is not a name or uid',
  workdir: (v) => (isJailPath(v) ? null : 'workdir is not an absolute jail path'),
  env: (v) =>
    isObj(v) &&
    Object.entries(v).every(([k, x]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && typeof x === 'string')
      ? null
      : 'env is not NAME: string pairs',
  entrypoint: (v) => (isStrings(v) ? null : 'entrypoint is not a list of strings'),
  cmd: (v) => (isStrings(v) ? null : 'cmd is not a list of strings'),
  net: (v) => (v === 'none' || v === 'host' ? null : 'net is not none or host'),
  limits: checkLimits,
  tmpfs: checkTmpfs,
  binds: checkBinds,
  timeout: (v) => (isPositive(v) ? null : 'timeout is not a positive number'),
  seccomp: (v) => (typeof v === 'boolean' ? null : 'seccomp is not a boolean'),
  auditAllow: (v) => (isStrings(v) ? null : 'auditAllow is not a list of strings'),
};

export function checkPolicy(raw: unknown): RunPolicy | string {
  if (!isObj(raw)) return 'the run policy is not an object';
  for (const [k, v] of Object.entries(raw)) {
    if (!KEYS.has(k)) return `the run policy has an unknown key ${k}`;
    const why = CHECK[k]?.(v);
    if (why) return `run policy: ${why}`;
  }
  return raw as RunPolicy;
}
