/**
 * The CLI's hot bundles (run, build, audit: one file each, ~200 KB) loaded with a V8 code cache,
 * so a start does not compile them again: about 10 ms of each start here (Node 20, 2 cores:
 * `jailsmith run` of a trivial job 98 ms against 109 ms without it, audit 127 against 137). Node
 * 22 has this built in (module.enableCompileCache), used when present. On Node 20 the bundle is
 * compiled by vm.Script with the cached data of the last run; the data is written when the
 * process exits, so it holds the functions that run compiled too. Bundled on its own as
 * dist/bundle/code-cache.cjs (scripts/bundle-cli.mjs), which bin/jailsmith requires first.
 *
 * Cached data is code (V8 bytecode): it is read only from the user's cache directory
 * (shared-cache-dir.ts), from a file and directories no one else could have written (own-file.ts),
 * opened without following links, and only for the bundle it was made from: the stat key of the
 * bytes read (resolve/file-facts.ts, and only once that key is settled), the Node version, arch
 * and flags. V8 checks its own version and flags again and rejects data it cannot use; the bundle
 * is then compiled as usual. Anything wrong with the cache costs the speed, never the command.
 */
import {
  type BigIntStats,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { sharedCacheDir } from '../build/shared-cache-dir.js';
import { factKey, settled } from '../resolve/file-facts.js';
import { readOwnFile, selfUid, writableOnlyBy } from '../sys/own-file.js';

/** The user's alone: a place code may be read from (a symlink's lstat is 0777, so never one). */
const ours = (st: Stats | BigIntStats): boolean => writableOnlyBy(st, [selfUid()]);

/** 32 bits of FNV-1a in hex: a file name per bundle path (the header holds the whole key). */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The cached data after the key line, when the file is ours and its key is `key`. */
function readCache(file: string, key: string): Buffer | undefined {
  const buf = readOwnFile(file);
  const nl = buf?.indexOf(10) ?? -1;
  return buf && nl > 0 && buf.toString('utf8', 0, nl) === key ? buf.subarray(nl + 1) : undefined;
}

function writeCache(dir: string, file: string, key: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(lstatSync(dir)) || !ours(lstatSync(path.dirname(dir)))) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`), data]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch {} // only speed is lost
}

const dirsOurs = (...dirs: string[]): boolean => {
  try {
    return dirs.every((d) => ours(lstatSync(d)));
  } catch {
    return false;
  }
};

export interface CacheOptions {
  /** The cache directory (default: the user's, null: off). */
  dir?: string | null;
  /** Use Node's own compile cache where it has one (default true). */
  builtin?: boolean;
  /** Told whether the cached data was used (tests). */
  onLoad?: (load: { cached: boolean }) => void;
}

/** module.exports of the CommonJS file `bundle`, compiled with the cache when it can be. */
export function requireCached(bundle: string, opts: CacheOptions = {}): unknown {
  const require = createRequire(bundle);
  const dir = opts.dir !== undefined ? opts.dir : sharedCacheDir();
  if (dir === null) return require(bundle);
  const builtin = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (opts.builtin !== false && typeof builtin === 'function') {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (dirsOurs(dir)) builtin(path.join(dir, 'v8'));
    } catch {}
    return require(bundle);
  }
  // The stat of the bytes read: a bundle replaced meanwhile cannot pair its text with the key
  // (and so the cached code) of the one it replaced.
  let st: BigIntStats;
  let source: string;
  try {
    const fd = openSync(bundle, 'r');
    try {
      st = fstatSync(fd, { bigint: true });
      source = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return require(bundle);
  }
  const v8dir = path.join(dir, 'v8');
  const file = path.join(v8dir, `${path.basename(bundle)}-${fnv(bundle)}.cache`);
  // A bundle written within the racy window could be written again under the same key: no cache.
  const usable = settled(st);
  const key = JSON.stringify([bundle, factKey(st), process.version, process.arch, process.execArgv]);
  const cached = usable && dirsOurs(v8dir, dir) ? readCache(file, key) : undefined;
  // Code compiled from cached data loses its import() callback on Node 20
  // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the bundle imports its split chunks through this
  // (scripts/bundle-cli.mjs), an import() of this file's, resolved against the bundle's directory.
  (globalThis as Record<symbol, unknown>)[Symbol.for('jailsmith.import')] = (s: string) =>
    import(s.startsWith('.') ? pathToFileURL(path.resolve(path.dirname(bundle), s)).href : s);
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData: cached });
  const mod = new Module(bundle);
  mod.filename = bundle;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(bundle),
  );
  require.cache[bundle] = mod;
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, require, mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  opts.onLoad?.({ cached: cached !== undefined && !script.cachedDataRejected });
  if (usable && (cached === undefined || script.cachedDataRejected)) {
    process.once('exit', () => writeCache(v8dir, file, key, script.createCachedData()));
  }
  return mod.exports;
}
