'use strict';
// The CLI's hot bundles (run, build, audit: one file each, ~200 KB) loaded with a V8 code cache,
// so a start does not compile them again: about 15-20 ms of a 50-60 ms CLI overhead here. Node 22
// has this built in (module.enableCompileCache), used when present. On Node 20 the bundle is
// compiled by vm.Script with the cached data of the last run; the data is written when the
// process exits, so it holds the functions that run compiled too. Measured here (2 cores, Node
// 20): `jailsmith run` of a trivial job 98 ms against 109 ms without it, audit 127 against 137.
//
// Cached data is code (V8 bytecode): it is read only from the user's own cache directory (root:
// /var/cache/jailsmith; $JAILSMITH_CACHE, or $XDG_CACHE_HOME/jailsmith; JAILSMITH_CACHE=off turns
// it off), from a file and directories that are this user's and writable by no one else, opened
// without following links, and only for the bundle it was made from: its path and stat (device,
// inode, size, mtime and ctime in ns), the Node version, arch and flags. V8 checks its own
// version and flags again and rejects data it cannot use; the bundle is then compiled as usual.
// Anything wrong with the cache costs the speed, never the command: it falls back to require().
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
// The user's cache directory, as builds name it (src/build/shared-cache-dir.ts; null: off).
const { sharedCacheDir } = require('../dist/bundle/shared-cache-dir.cjs');

/** Ours and writable by no one else: the only places code is read from. */
function ours(st) {
  return BigInt(st.uid) === BigInt(process.geteuid?.() ?? -1) && (Number(st.mode) & 0o022) === 0;
}

/** 32 bits of FNV-1a in hex: a file name per bundle path (the header holds the whole key). */
function fnv(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function readCache(file, key) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || !ours(st)) return undefined;
    const buf = fs.readFileSync(fd);
    const nl = buf.indexOf(10);
    return nl > 0 && buf.toString('utf8', 0, nl) === key ? buf.subarray(nl + 1) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function writeCache(dir, file, key, data) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(fs.lstatSync(dir)) || !ours(fs.lstatSync(path.dirname(dir)))) return;
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`), data]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch {} // only speed is lost
}

/**
 * module.exports of the CommonJS file `bundle`, compiled with the cache when it can be. `opts`
 * (tests): the cache directory, whether to use Node's built-in one, and onLoad, told whether the
 * cached data was used.
 */
function requireCached(bundle, opts = {}) {
  const dir = opts.dir !== undefined ? opts.dir : sharedCacheDir();
  const Module = require('node:module');
  const vm = require('node:vm');
  if (dir === null) return require(bundle);
  if (opts.builtin !== false && typeof Module.enableCompileCache === 'function') {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (ours(fs.lstatSync(dir))) Module.enableCompileCache(path.join(dir, 'v8'));
    } catch {}
    return require(bundle);
  }
  // The stat of the bytes read: a bundle replaced meanwhile cannot pair its text with the key
  // (and so the cached code) of the one it replaced.
  let st;
  let source;
  try {
    const fd = fs.openSync(bundle, fs.constants.O_RDONLY);
    try {
      st = fs.fstatSync(fd, { bigint: true });
      source = fs.readFileSync(fd, 'utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return require(bundle);
  }
  const v8dir = path.join(dir, 'v8');
  const file = path.join(v8dir, `${path.basename(bundle)}-${fnv(bundle)}.cache`);
  const key = JSON.stringify([
    bundle,
    `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
    process.version,
    process.arch,
    process.execArgv,
  ]);
  const okDirs = (() => {
    try {
      return ours(fs.lstatSync(v8dir)) && ours(fs.lstatSync(dir));
    } catch {
      return false;
    }
  })();
  const cached = okDirs ? readCache(file, key) : undefined;
  // Code compiled from cached data loses its import() callback on Node 20
  // (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the bundle imports its split chunks through this
  // (scripts/bundle-cli.mjs), an import() of this file's, resolved against the bundle's directory.
  globalThis[Symbol.for('jailsmith.import')] = (s) =>
    import(s.startsWith('.') ? pathToFileURL(path.resolve(path.dirname(bundle), s)).href : s);
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData: cached });
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(path.dirname(bundle));
  require.cache[bundle] = mod;
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, path.dirname(bundle));
  mod.loaded = true;
  opts.onLoad?.({ cached: cached !== undefined && !script.cachedDataRejected });
  if (cached === undefined || script.cachedDataRejected) {
    process.once('exit', () => writeCache(v8dir, file, key, script.createCachedData()));
  }
  return mod.exports;
}

module.exports = { requireCached };
