import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How a path was used, each level implying the one before: its own lstat (lstat, readlink), what
 * it leads to (stat, open, read, realpath, access: the last link followed), and for a directory,
 * its list of names (readdir, opendir).
 */
export const Use = { lstat: 0, follow: 1, list: 2 } as const;
export type Use = (typeof Use)[keyof typeof Use];

/**
 * Every path the code run under `withInputLog` named to the file system: what a plan was made
 * from. The planner reads through a dozen modules (spec and includes, profiles, distro data,
 * ld.so.cache and ld.so.conf, the source root's lookups, tree walks, discovery's probes, host
 * files): rather than trust each of them, now and in every later change, to report what it
 * read, the fs functions are wrapped for the duration and every path they are given is noted.
 * What they miss cannot be forgotten in a new module; what they add in excess (a module file the
 * loader reads) only costs a stat when the log is checked. Child processes are not seen: the
 * caller adds what they read (plan/capabilities.ts reads xattrs of the plan's own sources).
 */
export class InputLog {
  /** host path → the most it was used for. */
  readonly paths = new Map<string, Use>();

  note(p: string, use: Use): void {
    const abs = path.resolve(p);
    const had = this.paths.get(abs);
    if (had === undefined || had < use) this.paths.set(abs, use);
  }
}

const active = new Set<InputLog>();

/** The fs functions that take a path first, by what they learn of it; sync and callback forms. */
const USES: ReadonlyArray<[Use, readonly string[]]> = [
  [Use.lstat, ['lstat', 'readlink']],
  [Use.follow, ['stat', 'readFile', 'open', 'realpath', 'access', 'exists']],
  [Use.list, ['readdir', 'opendir']],
];

type Fn = (...args: unknown[]) => unknown;
let saved: Array<[Record<string, unknown>, string, Fn]> = [];

function noting(fn: Fn, use: Use): Fn {
  return function (this: unknown, ...args: unknown[]) {
    const p = args[0];
    // A number is a descriptor: its path was noted when it was opened.
    const named =
      typeof p === 'string'
        ? p
        : Buffer.isBuffer(p)
          ? p.toString()
          : p instanceof URL
            ? fileURLToPath(p)
            : null;
    if (named !== null) for (const log of active) log.note(named, use);
    return fn.apply(this, args);
  };
}

function wrap(obj: Record<string, unknown>, name: string, use: Use): void {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  const fn = orig as Fn;
  // Own properties stay (util.promisify.custom); realpath's .native is a lookup of its own.
  const wrapped = Object.assign(noting(fn, use), fn) as Fn & { native?: Fn };
  const native = (fn as { native?: unknown }).native;
  if (typeof native === 'function') wrapped.native = noting(native as Fn, use);
  saved.push([obj, name, fn]);
  obj[name] = wrapped;
}

function install(): void {
  const sync = fs as unknown as Record<string, unknown>;
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const [use, names] of USES) {
    for (const n of names) {
      wrap(sync, `${n}Sync`, use);
      wrap(sync, n, use);
      if (n !== 'exists') wrap(promises, n, use);
    }
  }
  // ESM named imports of node:fs and node:fs/promises are bindings to a copy of the exports:
  // this makes them see the wrappers (and, in uninstall, the originals again).
  syncBuiltinESMExports();
}

function uninstall(): void {
  for (const [obj, name, fn] of saved.reverse()) obj[name] = fn;
  saved = [];
  syncBuiltinESMExports();
}

/** Runs `fn` and returns what it returned with every path it (or anything else meanwhile) named. */
export async function withInputLog<T>(fn: () => Promise<T>): Promise<{ value: T; log: InputLog }> {
  const log = new InputLog();
  if (active.size === 0) install();
  active.add(log);
  try {
    return { value: await fn(), log };
  } finally {
    active.delete(log);
    if (active.size === 0) uninstall();
  }
}
