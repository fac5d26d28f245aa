import { createHash } from 'node:crypto';
import { errnoCode, isJailError, ScriptError } from '../errors.js';
import type { JailPlan, PlanEntry } from '../plan/index.js';

/** A file-system error while writing the script or bundle becomes one line naming the file. */
export function outputError(e: unknown, file: string): unknown {
  const code = errnoCode(e);
  if (code === undefined || isJailError(e)) return e;
  return new ScriptError('SCRIPT_OUTPUT', `cannot write the script (${code})`, { path: file, cause: e });
}

const SHA256 = /^[0-9a-f]{64}$/;

function bad(what: string, path?: string): never {
  throw new ScriptError('SCRIPT_BAD_PLAN', `plan cannot become a script: ${what}`, { path });
}

function isUint(n: unknown, max = 2 ** 32 - 1): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= max;
}

/** Absolute, normalised, no NUL: the script joins it to its staging dir as plain text. */
function checkPath(p: unknown): string {
  if (typeof p !== 'string' || !p.startsWith('/')) bad('path must be absolute', String(p));
  if (p.includes('\0')) bad('path holds a NUL byte', p);
  if (p === '/') return p;
  const parts = p.slice(1).split('/');
  if (parts.some((c) => c === '' || c === '.' || c === '..')) bad('path is not normalised', p);
  return p;
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/**
 * Checks what the script relies on, before a line is rendered: every parent is a directory planned
 * earlier (so no entry is ever created through a symlink), hard links point at files planned earlier,
 * numbers are numbers, digests are digests, generated content matches its digest.
 */
export function validatePlan(plan: JailPlan): void {
  if (plan.format !== 1) bad(`unknown plan format ${String(plan.format)}`);
  const seen = new Map<string, PlanEntry['type']>([['/', 'dir']]);
  let rootSeen = false;
  for (const e of plan.entries) {
    const p = checkPath(e.path);
    if (!isUint(e.mode, 0o7777)) bad(`mode ${String(e.mode)} is not a permission mode`, p);
    if (!isUint(e.uid) || !isUint(e.gid)) bad('uid and gid must be non-negative integers', p);
    if (p === '/') {
      if (e.type !== 'dir' || rootSeen) bad('the root must be one dir entry', p);
      rootSeen = true;
      continue;
    }
    if (seen.has(p)) bad('path planned twice', p);
    if (seen.get(parentOf(p)) !== 'dir') bad('parent is not a directory planned earlier', p);
    switch (e.type) {
      case 'dir':
        break;
      case 'file':
        if (!SHA256.test(e.sha256)) bad('file without a sha256', p);
        checkPath(e.source);
        break;
      case 'generated':
        if (e.content.includes('\0')) bad('generated content holds a NUL byte', p);
        if (createHash('sha256').update(e.content).digest('hex') !== e.sha256)
          bad('generated content does not match its sha256', p);
        break;
      case 'symlink':
        if (typeof e.target !== 'string' || e.target === '' || e.target.includes('\0'))
          bad('symlink target must be a non-empty string', p);
        break;
      case 'hardlink':
        if (seen.get(e.target) !== 'file' && seen.get(e.target) !== 'generated')
          bad('hard link target is not a file planned earlier', p);
        break;
      case 'device':
        if (e.device !== 'char' && e.device !== 'block') bad('device must be char or block', p);
        if (!isUint(e.major) || !isUint(e.minor)) bad('device numbers must be non-negative integers', p);
        break;
      default:
        bad(`unknown entry type ${String((e as { type: unknown }).type)}`, p);
    }
    seen.set(p, e.type);
  }
}
