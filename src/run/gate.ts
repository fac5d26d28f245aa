/**
 * The gate before a run: a jail whose static audit has critical findings is refused (a setuid root
 * binary, a writable /etc, a devtmpfs...). Jobs cannot change the jail (it is mounted read-only for
 * them), so the verdict is cached, keyed by the jail's state: every directory's identity, mode,
 * owner and times (any entry added, removed, renamed or relinked changes its directory's mtime and
 * ctime) and the mounts under the jail. One audit per jail state, not one per job; checking the
 * state costs one stat per directory, or, while this process keeps an inotify watch on them that
 * saw no event since the key was taken (dir-watch.ts), one read of the mount table.
 *
 * What the key does not see: a file changed in place (its mode, owner or content) by someone other
 * than a job. Under the run engine such a change cannot give a job more: the jail is read-only,
 * nosuid and nodev for it, and the job holds no capability. `jailsmith audit` always walks it all.
 */
import { type Dirent, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../audit/index.js';
import { errnoCode, RunError } from '../errors.js';
import { type MountInfo, readMountinfo, writeFileAtomic } from '../sys/index.js';
import { readOwnFile, selfUid, writableOnlyBy } from '../sys/own-file.js';
import { type DirWatch, local, settleWatches, watchDirs } from './dir-watch.js';

/** Every directory of the jail (the jail first), found by a walk. */
export function jailDirs(jail: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    out.push(dir);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      // A directory closed to the caller (rootless): the audit cannot look inside either.
      if (errnoCode(e) !== 'EACCES') throw e;
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
    }
  };
  walk(jail);
  return out;
}

/**
 * The jail's state as a digest of the directories known from the last walk (identity, mode, owner,
 * times) and the mounts under the jail. A directory added anywhere changes its parent's times, so
 * the known list is enough to see it; a known directory gone makes the digest null (walk again).
 * `mounts`: mountsKey, when the caller read the mount table already (watchJail).
 */
export function jailStateKey(
  jail: string,
  dirs: readonly string[] = jailDirs(jail),
  mounts: string = mountsKey(jail),
): string | null {
  // The state itself, not a digest of it: compared whole, it cannot collide, and a job start
  // need not load node:crypto (the dearest of its modules) for it.
  const parts: string[] = [];
  for (const dir of dirs) {
    const st = statSync(dir, { bigint: true, throwIfNoEntry: false });
    if (!st) return null;
    parts.push(`${dir}\0${st.dev}:${st.ino}:${st.mode}:${st.uid}:${st.gid}:${st.mtimeNs}:${st.ctimeNs}\n`);
  }
  parts.push(mounts);
  return parts.join('');
}

/** The mounts at and under the jail, one line each (the last part of jailStateKey). */
function mountsKey(jail: string, mounts: readonly MountInfo[] = readMountinfo()): string {
  const parts: string[] = [];
  for (const m of mounts) {
    if (m.mountPoint === jail || m.mountPoint.startsWith(`${jail}/`)) {
      parts.push(`mount ${m.mountPoint} ${m.fstype} ${m.source} ${m.root} ${m.options.join(',')}\n`);
    }
  }
  return parts.join('');
}

interface Verdict {
  /** What the verdict is for: the jail and the allowed check ids (the file name is only a hash of them). */
  jail: string;
  allow: string[];
  key: string;
  /** The directories the key was taken over. */
  dirs: string[];
  critical: Finding[];
}

function cacheDir(): string {
  const uid = selfUid();
  if (uid === 0) return '/run/jailsmith/audit-gate';
  return path.join(process.env.XDG_RUNTIME_DIR || path.join(os.tmpdir(), `jailsmith-${uid}`), 'audit-gate');
}

/**
 * Verdicts this process holds, by cache file, each with a watch on its directories (dir-watch.ts)
 * while one can be kept: an unchanged watch and unchanged mounts vouch for the key without a stat
 * per directory. The watch is set before the key is taken, so no change between the two is lost.
 */
interface Known {
  verdict: Verdict;
  watch: DirWatch | null;
  /** mountsKey when the watch was set (a mount is no directory event). */
  mounts: string;
}
const memory = new Map<string, Known>();

/**
 * Directories this process watches at most, all jails together: inotify watches come out of a
 * budget the whole user shares (root's daemons too; 8192 on older kernels).
 */
const WATCH_BUDGET = 1024;

/**
 * Watches a jail's directories before its key is taken (null when it cannot be trusted to: a
 * file system inotify does not fully see, a mount below the jail, too many directories).
 */
function watchJail(jail: string, dirs: readonly string[]): { watch: DirWatch | null; mounts: string } {
  const table = readMountinfo(); // read once for both questions
  const below = table.some((m) => m.mountPoint.startsWith(`${jail}/`));
  const watch = !below && local(jail, table) ? watchDirs(dirs, WATCH_BUDGET) : null;
  return { watch, mounts: mountsKey(jail, table) };
}

function remember(file: string, k: Known): void {
  const old = memory.get(file);
  if (old?.watch !== k.watch) old?.watch?.close();
  memory.delete(file);
  memory.set(file, k);
  // Over the budget, the least recently used jails give up their watches (not their verdicts).
  let watched = 0;
  for (const m of [...memory.values()].reverse()) {
    if (!m.watch) continue;
    watched += m.verdict.dirs.length;
    if (watched > WATCH_BUDGET) {
      m.watch.close();
      m.watch = null;
    }
  }
}

/** 64 bits of FNV-1a (two 32-bit lanes) in hex: a file name, not a proof (the verdict names its jail). */
function fnv64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (a >>> 13), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

function cacheFile(jail: string, allow: readonly string[]): string {
  return path.join(cacheDir(), `${fnv64(`${jail}\0${[...allow].sort().join('\0')}`)}.json`);
}

/**
 * A cached verdict skips the audit, so it counts only from a place no one else could have written:
 * its directory and that directory's parent (e.g. /tmp/jailsmith-UID) ours, not a symlink, and not
 * writable by group or others; the file itself likewise (readOwnFile).
 */
function dirsOurs(file: string): boolean {
  const dir = path.dirname(file);
  return [dir, path.dirname(dir)].every((p) => {
    const st = lstatSync(p, { throwIfNoEntry: false });
    return st !== undefined && !st.isSymbolicLink() && writableOnlyBy(st, [selfUid()]);
  });
}

/**
 * The verdict for the jail's state now: the one in memory (vouched for by its watch, else by its
 * key), else the file's, or null when neither is for this state.
 */
async function currentVerdict(file: string, jail: string, allow: readonly string[]): Promise<Verdict | null> {
  const sorted = JSON.stringify([...allow].sort());
  // Another jail (or allow list) whose name hashed alike: not this one's verdict.
  const forThis = (v: Verdict) => v.jail === jail && JSON.stringify(v.allow) === sorted;
  const known = memory.get(file);
  if (known && forThis(known.verdict)) {
    if (known.watch) {
      await settleWatches();
      if (!known.watch.changed && mountsKey(jail) === known.mounts) {
        // Most recently used last: the budget takes watches from the other end.
        memory.delete(file);
        memory.set(file, known);
        return known.verdict;
      }
    }
    if (checked(file, jail, known.verdict)) return known.verdict;
  }
  // Nothing in memory, or a verdict for another state: another process may have judged this one.
  const read = readFile(file);
  if (!read || read.key === known?.verdict.key || !forThis(read)) return null;
  return checked(file, jail, read) ? read : null;
}

/** Whether a verdict's key is the jail's state now; if so it is remembered, with a new watch. */
function checked(file: string, jail: string, v: Verdict): boolean {
  const { watch, mounts } = watchJail(jail, v.dirs);
  if (jailStateKey(jail, v.dirs, mounts) !== v.key) {
    watch?.close();
    return false;
  }
  remember(file, { verdict: v, watch, mounts });
  return true;
}

function readFile(file: string): Verdict | null {
  const text = dirsOurs(file) ? readOwnFile(file)?.toString('utf8') : undefined;
  if (text === undefined) return null;
  try {
    const v = JSON.parse(text) as Verdict;
    return typeof v.key === 'string' &&
      typeof v.jail === 'string' &&
      Array.isArray(v.allow) &&
      Array.isArray(v.dirs) &&
      Array.isArray(v.critical)
      ? v
      : null;
  } catch {
    return null;
  }
}

function writeCached(file: string, k: Known): void {
  remember(file, k);
  const v = k.verdict;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!dirsOurs(file)) return; // someone else's directory: keep it in memory only
    writeFileAtomic(file, JSON.stringify(v), { fsync: false });
  } catch {} // a cache that cannot be written only costs the next run an audit
}

/** Audits the jail unless its state is the one last judged; refuses it on critical findings. */
export async function refuseUnsafeJail(
  jail: string,
  allow: readonly string[] = [],
): Promise<{ cached: boolean }> {
  const file = cacheFile(jail, allow);
  let verdict = await currentVerdict(file, jail, allow);
  const cached = verdict !== null;
  if (!verdict) {
    const dirs = jailDirs(jail);
    // Watched from before the key: a change during the audit is seen at the next run.
    const { watch, mounts } = watchJail(jail, dirs);
    const key = jailStateKey(jail, dirs, mounts) as string;
    let critical: Finding[];
    try {
      // Loaded only when the jail's state is new: the audit's modules cost more than a whole job start.
      const { auditJail } = await import('../audit/index.js');
      critical = (await auditJail(jail, { allow })).findings.filter((f) => f.severity === 'critical');
    } catch (e) {
      watch?.close();
      throw e;
    }
    verdict = { jail, allow: [...allow].sort(), key, dirs, critical };
    writeCached(file, { verdict, watch, mounts });
  }
  const critical = verdict.critical;
  if (critical.length > 0) {
    const first = critical
      .slice(0, 3)
      .map((f) => `${f.id} ${f.path}`)
      .join('; ');
    throw new RunError(
      'RUN_UNSAFE_JAIL',
      `refusing a jail whose audit finds ${critical.length} critical problem${critical.length > 1 ? 's' : ''}: ${first}${critical.length > 3 ? '; …' : ''}`,
      {
        path: jail,
        details: { critical },
        hint: '`jailsmith audit DIR` shows them; --allow-unsafe runs anyway',
      },
    );
  }
  return { cached };
}
