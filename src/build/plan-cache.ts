import { createHash } from 'node:crypto';
import {
  type BigIntStats,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JailPlan } from '../plan/types.js';
import { factKey, RACY_NS } from '../resolve/file-facts.js';
import { jailPaths } from '../root/staging.js';
import { writeFileAtomic } from '../sys/atomic-write.js';
import { readOwnFile, selfUid, writableOnlyBy } from '../sys/own-file.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { type InputLog, Use } from './input-log.js';

/**
 * A plan remembered with everything it was made from, so a rebuild with nothing changed skips
 * loading the spec and planning entirely: it lstats each input instead. The inputs are the paths
 * the planner named to the file system (input-log.ts: the spec and its includes, profiles, distro
 * data, ld.so.cache, every lookup in the source root, present or absent, and every directory a
 * tree walk read), each with its stat key (resolve/file-facts.ts: dev, inode, size, mtime ns,
 * ctime ns). Any write, chmod, xattr change (setcap) or rename-over changes the ctime or the
 * inode, and the times of a directory the planner listed change when a name is added to or taken
 * out of it (one it only looked through is keyed by inode, mode and owner: see inputKey), so a
 * matching set of keys means the planner would read the same things again. A plan whose inputs changed
 * within RACY_NS of planning is not remembered (git's racy-clean rule), and --force never reads
 * one. Besides DIR (`.NAME.jailsmith-plan.json`) and in the user's shared cache directory, keyed
 * by the request, so the first build into a new DIR plans no more than a rebuild.
 */

const FORMAT = 2;

/** What the caller asked for: with the code that answers, it picks the cache entry. */
export interface PlanRequest {
  spec: string;
  root?: string | undefined;
  qemuStatic: boolean;
}

/** [host path, how it was used, its key] */
type Input = [string, Use, string];

interface CacheFile {
  format: number;
  request: string;
  inputs: Input[];
  plan: JailPlan;
}

/**
 * The request as a string: the absolute paths, the working directory (relative includes), the
 * user the plan was made as, PATH (getfattr is found through it), this boot (see inputKey), and
 * the code: a new version or a rebuilt dist/ (new inodes) plans again.
 */
export function requestKey(req: PlanRequest): string {
  return JSON.stringify({
    format: FORMAT,
    version: VERSION,
    code: codeKey(),
    spec: path.resolve(req.spec),
    root: req.root === undefined ? null : path.resolve(req.root),
    qemuStatic: req.qemuStatic,
    cwd: process.cwd(),
    uid: process.geteuid?.() ?? null,
    gid: process.getegid?.() ?? null,
    path: process.env.PATH ?? null,
    boot: bootId(),
  });
}

function codeKey(): string {
  try {
    return factKey(statSync(fileURLToPath(import.meta.url), { bigint: true }));
  } catch {
    return 'unknown';
  }
}

let boot: string | undefined;
function bootId(): string {
  if (boot === undefined) {
    try {
      boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      boot = 'unknown';
    }
  }
  return boot;
}

/** The key of one input now, and its ctime for the racy check (null when it has none worth checking). */
function inputKey(p: string, use: Use): { key: string; ctimeNs: bigint | null } {
  // /proc and /sys (the CPU's hwcaps...) describe this boot, whose id is in the request; their
  // times say nothing. A device node is its type and numbers: writing to it moves its times.
  if (p === '/proc' || p.startsWith('/proc/') || p === '/sys' || p.startsWith('/sys/'))
    return { key: 'boot', ctimeNs: null };
  let st: BigIntStats | undefined;
  try {
    st = lstatSync(p, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    return { key: `!${(e as NodeJS.ErrnoException).code ?? 'error'}`, ctimeNs: null };
  }
  if (st === undefined) return { key: '-', ctimeNs: null };
  if (st.isCharacterDevice() || st.isBlockDevice())
    return { key: `dev:${st.mode}:${st.rdev}:${st.uid}:${st.gid}`, ctimeNs: null };
  if (st.isDirectory() && use !== Use.list) {
    // Looked up, not listed: the planner learnt that it is this directory with this mode and
    // owner. Its times move with every name added below it (/var/lib, /tmp, all day long),
    // which says nothing about the names the planner did look up: each is an input of its own.
    // The ctime still goes to the racy check: a chmod while planning could hide behind it.
    return { key: `dir:${st.dev}:${st.ino}:${st.mode}:${st.uid}:${st.gid}`, ctimeNs: st.ctimeNs };
  }
  let key = factKey(st);
  let ctimeNs: bigint | null = st.ctimeNs;
  if (use !== Use.lstat && st.isSymbolicLink()) {
    // What the link leads to, the whole chain resolved by the kernel (or nothing: dangling).
    let real: string | undefined;
    try {
      real = realpathSync.native(p);
    } catch {
      real = undefined;
    }
    const to = real === undefined ? { key: '-', ctimeNs: null } : inputKey(real, use);
    key += `>${to.key}`;
    if (to.ctimeNs !== null && to.ctimeNs > ctimeNs) ctimeNs = to.ctimeNs;
  }
  return { key, ctimeNs };
}

/**
 * The data jailsmith ships (templates/: profiles, distro data), every file and directory. The
 * planner keeps what it read of them for the life of the process, so a plan may rest on them
 * without naming them to the file system again: they are inputs of every plan.
 */
function shippedData(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    out.push(dir);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  try {
    walk(path.join(PACKAGE_ROOT, 'templates'));
  } catch {
    // a package without its data plans nothing anyway
  }
  return out;
}

/** When this process started, in the nanoseconds of file times. */
function processStartNs(): bigint {
  return BigInt(Math.floor(performance.timeOrigin)) * 1_000_000n;
}

/**
 * The inputs of a plan (the log, `extra` paths read by child processes, the shipped data) with
 * their keys now, or null when one changed too recently to trust: within RACY_NS of `startedNs`
 * (when planning began), or for the shipped data, of when this process started (it may hold what
 * it read of them before).
 */
export function inputsOf(log: InputLog, extra: readonly string[], startedNs: bigint): Input[] | null {
  const out: Input[] = [];
  const seen = new Map(log.paths);
  for (const p of extra) if (!seen.has(p)) seen.set(p, Use.lstat);
  const shipped = new Set(shippedData());
  for (const p of shipped) seen.set(p, Use.list);
  const processStart = processStartNs();
  for (const [p, use] of seen) {
    const { key, ctimeNs } = inputKey(p, use);
    const since = shipped.has(p) ? processStart : startedNs;
    if (ctimeNs !== null && since - ctimeNs <= RACY_NS) return null;
    out.push([p, use, key]);
  }
  return out;
}

/** True when every input has the key it had. */
function unchanged(inputs: readonly Input[]): boolean {
  for (const [p, use, key] of inputs) if (inputKey(p, use).key !== key) return false;
  return true;
}

/** Where the plan of `req` is kept in the shared cache directory (`sharedDir`: null when off). */
function sharedFile(sharedDir: string | null, request: string): string | null {
  if (sharedDir === null) return null;
  const h = createHash('sha256').update(request).digest('hex').slice(0, 32);
  return path.join(sharedDir, 'plans', `${h}.json`);
}

/** Where a plan for DIR is kept beside it; none for `plan` (no DIR). */
function besideDir(dir: string | null): string | null {
  return dir === null ? null : jailPaths(dir).plan;
}

/**
 * The remembered plan of `req` when none of its inputs changed: from beside DIR (null: `plan`,
 * which has none), else from the shared cache directory. null when there is none, it is not
 * ours, or anything moved.
 */
export function cachedPlan(dir: string | null, req: PlanRequest, sharedDir: string | null): JailPlan | null {
  const request = requestKey(req);
  for (const file of [besideDir(dir), sharedFile(sharedDir, request)]) {
    if (file === null) continue;
    const c = readCacheFile(file);
    if (c !== null && c.request === request && unchanged(c.inputs)) return c.plan;
  }
  return null;
}

function readCacheFile(file: string): CacheFile | null {
  // Ours and written by us only, like the state file: a plan says what goes into the jail.
  const text = readOwnFile(file)?.toString('utf8');
  if (text === undefined) return null;
  try {
    const c = JSON.parse(text) as CacheFile;
    if (c.format !== FORMAT || typeof c.request !== 'string' || !Array.isArray(c.inputs)) return null;
    if (typeof c.plan !== 'object' || c.plan === null || !Array.isArray(c.plan.entries)) return null;
    return c;
  } catch {
    return null;
  }
}

/**
 * Remembers `plan` with its inputs (inputsOf), beside DIR and in the shared directory. Best
 * effort: a cache that cannot be written costs the next run its speed, never its answer. With no
 * inputs (one changed too recently to trust) the plans remembered for this request are removed.
 */
export function savePlan(
  dir: string | null,
  req: PlanRequest,
  plan: JailPlan,
  inputs: Input[] | null,
  sharedDir: string | null,
): boolean {
  const request = requestKey(req);
  const shared = sharedFile(sharedDir, request);
  if (inputs === null) {
    // Planned again (a miss or --force) and not to be remembered: what was there is no answer.
    for (const file of [besideDir(dir), shared]) {
      try {
        if (file !== null) rmSync(file, { force: true });
      } catch {
        // a stale plan that cannot be removed is checked (and refused) by its inputs anyway
      }
    }
    return false;
  }
  const body = JSON.stringify({ format: FORMAT, request, inputs, plan } satisfies CacheFile);
  let saved = false;
  for (const file of [besideDir(dir), shared]) {
    if (file === null) continue;
    try {
      if (file === shared) {
        // The shared directory must be ours alone (DIR's parent passed the ancestor check).
        const parent = path.dirname(file);
        mkdirSync(parent, { recursive: true, mode: 0o700 });
        const st = lstatSync(parent);
        if (!st.isDirectory() || !writableOnlyBy(st, [selfUid()])) continue;
      }
      writeFileAtomic(file, body, { fsync: false });
      saved = true;
      if (file === shared) prune(path.dirname(file));
    } catch {
      // see above
    }
  }
  return saved;
}

/** Plans the shared directory keeps: the most recently written (each spec, options and version). */
const SHARED_PLANS = 32;

function prune(dir: string): void {
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => {
      const p = path.join(dir, n);
      return { p, at: lstatSync(p).mtimeMs };
    });
  if (files.length <= SHARED_PLANS) return;
  files.sort((a, b) => b.at - a.at);
  for (const f of files.slice(SHARED_PLANS)) rmSync(f.p, { force: true });
}

/** Now, in the nanoseconds of file times. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
