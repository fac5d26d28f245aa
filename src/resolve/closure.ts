import path from 'node:path';
import { DF_1_NODEFLIB, type ElfInfo } from '../elf/index.js';
import type { ArchEnv, RootConfig } from './arch-env.js';
import { type DstValues, expandDst, splitPathList } from './dst.js';
import { lookupCache } from './ld-cache.js';
import { elfOf, type Found, type ObjectStore } from './object-store.js';
import { normalizeInRoot } from './source-root.js';

/** One DT_NEEDED edge as the loader resolved it. */
export interface Edge {
  /** In-root path of the object that needs it. */
  from: string;
  name: string;
  /** In-root path the loader opens, or null when not found. */
  path: string | null;
}

/** One ELF program's closure, in load order. */
export interface ElfClosure {
  interpreter: Found | null;
  /** The interpreter named by PT_INTERP when it is absent from the root. */
  missingInterpreter: string | null;
  /** Loaded objects in load order (breadth first), interpreter and program excluded. */
  objects: Found[];
  missing: string[];
  edges: Edge[];
}

interface Loaded {
  found: Found;
  elf: ElfInfo;
  loader: Loaded | null;
  /** Search data derived from the object alone, shared across programs. */
  info: ObjectSearch;
}

/** What an object contributes to searches: its $ORIGIN and its expanded RPATH/RUNPATH. */
interface ObjectSearch {
  origin: string;
  rpathDirs?: string[] | null;
  runpathDirs?: string[] | null;
  /** musl: RUNPATH, else RPATH. */
  muslDirs?: string[] | null;
}

/** musl's loader answers for these itself: libc.so, libm.so.6, libpthread.so.0 and so on. */
const MUSL_RESERVED = /^lib(c|pthread|rt|m|dl|util|xnet)\./;

/**
 * Walks a program's DT_NEEDED graph as glibc's (or musl's) loader does: breadth first, each name
 * first matched against objects already loaded (by the names they were requested as, soname, or
 * same real file), else searched in RPATH chain / RUNPATH / cache / default directories.
 */
export class ClosureWalker {
  /** Search results shared across programs: key is (search list, name). */
  private readonly searchCache = new Map<string, Found | null>();
  private readonly systemCache = new Map<string, Found | null>();
  /** Per opened path: $ORIGIN (the directory of the path as opened) and expanded search lists. */
  private readonly objectInfo = new Map<string, ObjectSearch>();
  private readonly interpCache = new Map<string, Found | null>();

  constructor(
    private readonly cfg: RootConfig,
    private readonly store: ObjectStore,
  ) {}

  private infoFor(key: string, origin: () => string): ObjectSearch {
    let i = this.objectInfo.get(key);
    if (!i) {
      i = { origin: origin() };
      this.objectInfo.set(key, i);
    }
    return i;
  }

  walk(main: Found, elf: ElfInfo): ElfClosure {
    const env = this.cfg.env(elf);
    const interpName = elf.interpreter;
    const musl = interpName !== null && /(^|\/)ld-musl-[^/]*\.so\.1$/.test(interpName);
    const out: ElfClosure = {
      interpreter: null,
      missingInterpreter: null,
      objects: [],
      missing: [],
      edges: [],
    };
    // Names each loaded object answers to: the names it was requested as, its path and soname.
    const byName = new Map<string, Loaded>();
    const byReal = new Map<string, Loaded>();
    const loaded: Loaded[] = [];
    const add = (l: Loaded, name: string | null): void => {
      loaded.push(l);
      byReal.set(l.found.real.path, l);
      if (name !== null) byName.set(name, l);
      byName.set(l.found.path, l);
      if (l.elf.soname) byName.set(l.elf.soname, l);
    };
    // The program's $ORIGIN is the directory of its real path: the kernel gives the loader that.
    const mainObj: Loaded = {
      found: main,
      elf,
      loader: null,
      info: this.infoFor(`\0main\0${main.real.path}`, () => path.posix.dirname(main.real.path)),
    };
    add(mainObj, null);
    let interp: Loaded | null = null;
    if (interpName !== null) {
      let f = this.interpCache.get(interpName);
      if (f === undefined) {
        f = this.store.lookup(normalizeInRoot(interpName));
        this.interpCache.set(interpName, f);
      }
      const ie = f ? elfOf(f) : null;
      if (f && ie) {
        out.interpreter = f;
        const found = f;
        interp = {
          found,
          elf: ie,
          loader: null,
          info: this.infoFor(f.path, () => path.posix.dirname(found.path)),
        };
        add(interp, interpName);
      } else out.missingInterpreter = interpName;
    }

    // glibc maps /etc/ld.so.preload right after the program (searched as if it needed them);
    // one it cannot find is skipped with a warning, not an error.
    if (!musl)
      for (const name of this.cfg.preload()) {
        if (byName.has(name)) continue;
        const f = this.findGlibc(name, mainObj, env);
        if (!f) continue;
        const known = byReal.get(f.real.path);
        if (known) byName.set(name, known);
        else {
          const found = f;
          add(
            {
              found,
              elf: elfOf(f) as ElfInfo,
              loader: mainObj,
              info: this.infoFor(f.path, () => path.posix.dirname(found.path)),
            },
            name,
          );
          out.objects.push(f);
        }
        out.edges.push({ from: main.path, name, path: f.path });
      }

    const missing = new Set<string>();
    for (let qi = 0; qi < loaded.length; qi++) {
      const obj = loaded[qi] as Loaded;
      // The interpreter is mapped by the kernel and relocates itself: its own DT_NEEDED are not walked.
      if (obj === interp) continue;
      const from = obj.found.path;
      const needed = obj.elf.needed;
      for (let ni = 0; ni < needed.length; ni++) {
        const name = needed[ni] as string;
        let hit = musl && interp && MUSL_RESERVED.test(name) ? interp : byName.get(name);
        if (!hit) {
          const f = musl ? this.findMusl(name, obj, env) : this.findGlibc(name, obj, env);
          if (f) {
            hit = byReal.get(f.real.path);
            if (hit) byName.set(name, hit);
            else {
              const found = f;
              hit = {
                found,
                elf: elfOf(f) as ElfInfo,
                loader: obj,
                // A library's $ORIGIN is the directory of the path it was opened by.
                info: this.infoFor(f.path, () => path.posix.dirname(found.path)),
              };
              add(hit, name);
              out.objects.push(f);
            }
          }
        }
        if (!hit) missing.add(name);
        out.edges.push({ from, name, path: hit ? hit.found.path : null });
      }
    }
    out.missing = [...missing].sort();
    return out;
  }

  private dst(obj: Loaded, env: ArchEnv): DstValues {
    return { origin: obj.info.origin, lib: env.lib, platform: env.platform };
  }

  // The lists depend on the object and the architecture's $LIB/$PLATFORM; every program of one
  // resolver and architecture shares them, so they are cached per object.
  private rpathOf(obj: Loaded, env: ArchEnv): string[] | null {
    const i = obj.info;
    if (i.rpathDirs === undefined)
      i.rpathDirs =
        obj.elf.rpath !== null && obj.elf.runpath === null
          ? splitPathList(obj.elf.rpath, this.dst(obj, env))
          : null;
    return i.rpathDirs;
  }

  private runpathOf(obj: Loaded, env: ArchEnv): string[] | null {
    const i = obj.info;
    if (i.runpathDirs === undefined)
      i.runpathDirs = obj.elf.runpath !== null ? splitPathList(obj.elf.runpath, this.dst(obj, env)) : null;
    return i.runpathDirs;
  }

  /** A candidate is usable when it is ELF of the program's class, byte order and machine. */
  private usable(f: Found | null, env: ArchEnv): f is Found {
    const e = f ? elfOf(f) : null;
    return e !== null && e.bits === env.bits && e.endian === env.endian && e.machine === env.machine;
  }

  private findPath(name: string, obj: Loaded, env: ArchEnv): Found | null {
    const p = normalizeInRoot(expandDst(name, this.dst(obj, env)));
    const f = this.store.lookup(p);
    return this.usable(f, env) ? f : null;
  }

  /** Searches directories (each with its hwcaps/platform subdirectories first). Cached per (dirs, name). */
  private searchDirs(dirs: string[], name: string, env: ArchEnv, subdirs: string[]): Found | null {
    const key = `${env.key}${subdirs.length > 0 ? 'h' : 'p'}\0${name}\0${dirs.join(':')}`;
    const cached = this.searchCache.get(key);
    if (cached !== undefined) return cached;
    let found: Found | null = null;
    outer: for (const dir of dirs) {
      if (!this.store.root.realpath(dir)) continue;
      for (const sub of subdirs) {
        const d = `${dir === '/' ? '' : dir}/${sub}`;
        if (!this.store.root.realpath(d)) continue;
        const f = this.store.lookup(`${d}/${name}`);
        if (this.usable(f, env)) {
          found = f;
          break outer;
        }
      }
      const f = this.store.lookup(`${dir === '/' ? '' : dir}/${name}`);
      if (this.usable(f, env)) {
        found = f;
        break;
      }
    }
    this.searchCache.set(key, found);
    return found;
  }

  private findGlibc(name: string, obj: Loaded, env: ArchEnv): Found | null {
    if (name.includes('/')) return this.findPath(name, obj, env);
    const sub = env.subdirs;
    if (obj.elf.runpath === null && obj.elf.rpath === null && obj.loader === null)
      return (obj.elf.flags1 & DF_1_NODEFLIB) !== 0 ? null : this.systemSearch(name, env);
    // DT_RPATH of the object and of each object that loaded it, unless the object has DT_RUNPATH.
    if (obj.elf.runpath === null) {
      for (let l: Loaded | null = obj; l; l = l.loader) {
        const dirs = this.rpathOf(l, env);
        if (dirs) {
          const f = this.searchDirs(dirs, name, env, sub);
          if (f) return f;
        }
      }
    }
    const run = this.runpathOf(obj, env);
    if (run) {
      const f = this.searchDirs(run, name, env, sub);
      if (f) return f;
    }
    if ((obj.elf.flags1 & DF_1_NODEFLIB) !== 0) return null;
    return this.systemSearch(name, env);
  }

  /** The cache (or ld.so.conf) then the default directories: the same for every requester. */
  private systemSearch(name: string, env: ArchEnv): Found | null {
    const key = `${env.key}\0${name}`;
    let f = this.systemCache.get(key);
    if (f === undefined) {
      f = this.systemSearchUncached(name, env);
      this.systemCache.set(key, f);
    }
    return f;
  }

  private systemSearchUncached(name: string, env: ArchEnv): Found | null {
    const sub = env.subdirs;
    const cache = this.cfg.ldCache();
    if (cache) {
      for (const p of lookupCache(cache, name, env.cacheFlags, env.hwcaps)) {
        const f = this.store.lookup(normalizeInRoot(p));
        if (this.usable(f, env)) return f;
      }
    } else {
      const f = this.searchDirs(this.cfg.confDirs(), name, env, sub);
      if (f) return f;
    }
    return this.searchDirs(env.defaultDirs, name, env, sub);
  }

  private findMusl(name: string, obj: Loaded, env: ArchEnv): Found | null {
    if (name.includes('/')) return this.findPath(name, obj, env);
    // musl reads DT_RUNPATH, else DT_RPATH, and walks the chain of loaders for either.
    for (let l: Loaded | null = obj; l; l = l.loader) {
      const list = l.elf.runpath ?? l.elf.rpath;
      if (list !== null) {
        l.info.muslDirs ??= splitPathList(list, this.dst(l, env));
        const f = this.searchDirs(l.info.muslDirs, name, env, []);
        if (f) return f;
      }
    }
    return this.searchDirs(this.cfg.muslPath(env.info?.musl ?? 'x86_64'), name, env, []);
  }
}
