import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { errnoCode, RootError } from '../errors.js';

/**
 * Names beside DIR (same filesystem, so every move is a rename):
 *   .NAME.jailsmith-XXXXXX        a staging tree being built (never holds user data)
 *   .NAME.jailsmith-ready-XXXXXX  a complete staging tree about to be swapped in
 *   .NAME.jailsmith-old-XXXXXX    the previous jail, set aside by the swap
 *   .NAME.jailsmith-lock          held while a build runs (pid inside)
 *   .NAME.jailsmith-state.json    what the last build wrote, for a fast no-op check
 *   .NAME.jailsmith-logins.json   login users of the jail (`user add`), re-added by every rebuild
 *   .NAME.jailsmith-policy.json   the run policy the jail was built or installed with (run's default)
 *   .NAME.jailsmith-plan.json     the last plan with the stat keys of its inputs (build/plan-cache.ts)
 *   .NAME.jailsmith-keys/USER     their managed authorized_keys (root-owned, out of the jail)
 */
export interface JailPaths {
  dir: string;
  parent: string;
  base: string;
  lock: string;
  state: string;
  logins: string;
  keys: string;
  policy: string;
  plan: string;
}

export function jailPaths(dir: string): JailPaths {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  if (abs === '/' || base === '')
    throw new RootError('ROOT_DIR_IS_ROOT', 'refusing to build over /', { path: abs });
  return {
    dir: abs,
    parent,
    base,
    lock: path.join(parent, `.${base}.jailsmith-lock`),
    state: path.join(parent, `.${base}.jailsmith-state.json`),
    logins: path.join(parent, `.${base}.jailsmith-logins.json`),
    keys: path.join(parent, `.${base}.jailsmith-keys`),
    policy: path.join(parent, `.${base}.jailsmith-policy.json`),
    plan: path.join(parent, `.${base}.jailsmith-plan.json`),
  };
}

/** A fresh private staging directory (mkdtemp: created 0700, name unique). */
export function createStaging(j: JailPaths): string {
  return mkdtempSync(path.join(j.parent, `.${j.base}.jailsmith-`));
}

/** Renames `from` to a new unused `.NAME.jailsmith-KIND-XXXXXX` beside it; returns the new path. */
export function renameAside(j: JailPaths, from: string, kind: 'ready' | 'old'): string {
  for (;;) {
    const to = path.join(
      j.parent,
      `.${j.base}.jailsmith-${kind}-${randomBytes(4).toString('hex').slice(0, 6)}`,
    );
    // rename() would silently replace an empty directory of that name: make sure there is none.
    // The parent passed the ancestor check, so only root could create one in between.
    try {
      lstatSync(to);
      continue;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    renameSync(from, to);
    return to;
  }
}

export interface Leftovers {
  staging: string[];
  ready: string[];
  old: string[];
}

/** Leftovers of interrupted builds of this DIR, each sorted oldest first (by ctime). */
export function findLeftovers(j: JailPaths): Leftovers {
  const esc = j.base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^\\.${esc}\\.jailsmith-(?:(ready|old)-)?[A-Za-z0-9]{6}$`);
  const out: Leftovers = { staging: [], ready: [], old: [] };
  const found: { p: string; kind: keyof Leftovers; t: number }[] = [];
  for (const name of readdirSync(j.parent)) {
    const m = re.exec(name);
    if (!m) continue;
    const p = path.join(j.parent, name);
    const st = lstatSync(p);
    if (!st.isDirectory() || st.uid !== process.geteuid?.()) continue;
    found.push({ p, kind: (m[1] as 'ready' | 'old' | undefined) ?? 'staging', t: st.ctimeMs });
  }
  found.sort((a, b) => a.t - b.t);
  for (const f of found) out[f.kind].push(f.p);
  return out;
}

/**
 * One build of a DIR at a time: an exclusive lock file holding our pid. A lock whose process is
 * gone (a killed build) is taken over, so a rerun after a crash never needs manual cleanup.
 */
export function acquireLock(j: JailPaths): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(
        j.lock,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          unlinkSync(j.lock);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      const pid = Number.parseInt(safeRead(j.lock), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new RootError('ROOT_LOCKED', `another build of this jail is running (pid ${pid})`, {
          path: j.dir,
        });
      }
      unlinkSync(j.lock);
    }
  }
  throw new RootError('ROOT_LOCKED', 'could not take the build lock', { path: j.lock });
}

function safeRead(p: string): string {
  try {
    const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}
