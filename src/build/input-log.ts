import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /** host path → true when a call followed it (open, read, stat, readdir), false for lstat/readlink. */
  readonly paths = new Map<string, boolean>();

  note(p: string, follows: boolean): void {
    const abs = path.resolve(p);
    if (follows && this.paths.get(abs) !== true) this.paths.set(abs, true);
    else if (!this.paths.has(abs)) this.paths.set(abs, false);
  }
}

const active = new Set<InputLog>();

/** Calls that name a path they follow (the final link is resolved) or do not (lstat, readlink). */
const FOLLOW = [
  'statSync',
  'readFileSync',
  'readdirSync',
  'openSync',
  'realpathSync',
  'existsSync',
  'accessSync',
  'opendirSync',
];
const NOFOLLOW = ['lstatSync', 'readlinkSync'];
const FOLLOW_ASYNC = ['stat', 'readFile', 'readdir', 'open', 'realpath', 'access', 'opendir'];
const NOFOLLOW_ASYNC = ['lstat', 'readlink'];

type Fn = (...args: unknown[]) => unknown;
let saved: Array<[Record<string, unknown>, string, Fn]> = [];

function noting(fn: Fn, follows: boolean): Fn {
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
    if (named !== null) for (const log of active) log.note(named, follows);
    return fn.apply(this, args);
  };
}

function wrap(obj: Record<string, unknown>, name: string, follows: boolean): void {
  const orig = obj[name];
  if (typeof orig !== 'function') return;
  const fn = orig as Fn;
  // Own properties stay (util.promisify.custom); realpath's .native is a lookup of its own.
  const wrapped = Object.assign(noting(fn, follows), fn) as Fn & { native?: Fn };
  const native = (fn as { native?: unknown }).native;
  if (typeof native === 'function') wrapped.native = noting(native as Fn, follows);
  saved.push([obj, name, fn]);
  obj[name] = wrapped;
}

function install(): void {
  const sync = fs as unknown as Record<string, unknown>;
  for (const n of FOLLOW) wrap(sync, n, true);
  for (const n of NOFOLLOW) wrap(sync, n, false);
  for (const n of FOLLOW_ASYNC) wrap(sync, n, true);
  for (const n of NOFOLLOW_ASYNC) wrap(sync, n, false);
  const promises = fs.promises as unknown as Record<string, unknown>;
  for (const n of FOLLOW_ASYNC) wrap(promises, n, true);
  for (const n of NOFOLLOW_ASYNC) wrap(promises, n, false);
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
