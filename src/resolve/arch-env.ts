import { readFileSync } from 'node:fs';
import type { ElfInfo } from '../elf/index.js';
import { cacheFlags, hostMachine, type MachineInfo, machineInfo } from '../elf/index.js';
import { hostX86Levels } from './hwcaps.js';
import { type LdCache, parseLdCache } from './ld-cache.js';
import { readLdSoConf } from './ld-conf.js';
import type { SourceRoot } from './source-root.js';
import type { ResolveOptions } from './types.js';

/** Class, byte order and machine: what a candidate library must share with the program. */
export interface ArchKey {
  bits: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  flags: number;
}

export function archKeyOf(e: ElfInfo): string {
  return `${e.bits}${e.endian}${e.machine}`;
}

/** Everything the search needs that depends only on the root and the program's architecture. */
export interface ArchEnv {
  key: string;
  bits: 32 | 64;
  endian: 'le' | 'be';
  machine: number;
  info: MachineInfo | null;
  /** ld.so.cache flags accepted for this architecture. */
  cacheFlags: number[];
  /** glibc-hwcaps subdirectory names, best first. */
  hwcaps: string[];
  /** Subdirectories tried under every search directory before the directory itself. */
  subdirs: string[];
  /** $LIB and $PLATFORM. */
  lib: string;
  platform: string;
  /** System directories after the cache (or ld.so.conf), hwcaps not yet applied. */
  defaultDirs: string[];
}

/** Root-wide loader configuration, read once. */
export class RootConfig {
  private cache: LdCache | null | undefined;
  private conf: string[] | undefined;
  private readonly envs = new Map<string, ArchEnv>();
  private readonly muslPaths = new Map<string, string[]>();
  private preloads: string[] | undefined;

  constructor(
    readonly root: SourceRoot,
    readonly opts: ResolveOptions,
  ) {}

  /** The root's parsed /etc/ld.so.cache, or null when it has none (or an unreadable one). */
  ldCache(): LdCache | null {
    if (this.cache !== undefined) return this.cache;
    this.cache = null;
    const rp = this.root.realpath('/etc/ld.so.cache');
    if (rp) {
      try {
        this.cache = parseLdCache(readFileSync(this.root.host(rp.path)));
      } catch {
        this.cache = null;
      }
    }
    return this.cache;
  }

  /** /etc/ld.so.conf directories, used only for a root without a cache. */
  confDirs(): string[] {
    this.conf ??= readLdSoConf(this.root);
    return this.conf;
  }

  /**
   * /etc/ld.so.preload: glibc's loader maps these into every program before its DT_NEEDED
   * (separated by spaces, tabs, colons or newlines; entries it cannot find are ignored).
   */
  preload(): string[] {
    if (this.preloads) return this.preloads;
    this.preloads = [];
    const rp = this.root.realpath('/etc/ld.so.preload');
    if (rp && this.root.kind(rp.path) === 'file') {
      try {
        const text = readFileSync(this.root.hostOfReal(rp.path), 'utf8');
        this.preloads = text.split(/[\s:]+/).filter((s) => s !== '');
      } catch {
        // Unreadable: the loader goes on without preloads as well.
      }
    }
    return this.preloads;
  }

  /** musl's search path: /etc/ld-musl-ARCH.path, else its built-in default. */
  muslPath(arch: string): string[] {
    let p = this.muslPaths.get(arch);
    if (p) return p;
    // Absent or unreadable, musl falls back to its built-in default too.
    const text = this.root.readText(`/etc/ld-musl-${arch}.path`);
    p =
      text === null
        ? ['/lib', '/usr/local/lib', '/usr/lib']
        : text
            .split(/[\n:]/)
            .map((s) => s.trim())
            .filter((s) => s.startsWith('/'));
    this.muslPaths.set(arch, p);
    return p;
  }

  env(e: ElfInfo): ArchEnv {
    const key = archKeyOf(e);
    let env = this.envs.get(key);
    if (!env) {
      env = this.makeEnv(key, e);
      this.envs.set(key, env);
    }
    return env;
  }

  private isDir(p: string): boolean {
    return this.root.realpath(p) !== null;
  }

  private makeEnv(key: string, e: ElfInfo): ArchEnv {
    const info = machineInfo(e.bits, e.machine, e.flags, e.endian);
    const host = hostMachine();
    const native = host !== null && host.bits === e.bits && host.machine === e.machine && e.endian === 'le';
    const mode = this.opts.hwcaps ?? 'host';
    let hwcaps: string[] = [];
    let legacy: string[] = [];
    const platform = this.opts.platform ?? info?.platform ?? '';
    if (Array.isArray(mode)) hwcaps = mode;
    else if (mode === 'host' && native && info?.name === 'x86_64') {
      hwcaps = hostX86Levels();
      // glibc 2.36's legacy subdirectories on x86_64: tls and the platform, each with the
      // x86_64 hwcap bit, most specific first (as `ld.so --help` lists them).
      legacy = ['tls/x86_64/x86_64', 'tls/x86_64', 'tls', 'x86_64/x86_64', 'x86_64'];
    }
    const subdirs = [...hwcaps.map((h) => `glibc-hwcaps/${h}`), ...legacy];

    const defaultDirs: string[] = [];
    let lib = 'lib';
    if (info && (this.isDir(`/lib/${info.triplet}`) || this.isDir(`/usr/lib/${info.triplet}`))) {
      // Debian's multiarch layout: the triplet directories, then the plain ones.
      defaultDirs.push(`/lib/${info.triplet}`, `/usr/lib/${info.triplet}`, '/lib', '/usr/lib');
      lib = `lib/${info.triplet}`;
    } else if (info?.lib64 && e.bits === 64 && (this.isDir('/lib64') || this.isDir('/usr/lib64'))) {
      defaultDirs.push('/lib64', '/usr/lib64');
      lib = 'lib64';
    } else defaultDirs.push('/lib', '/usr/lib');

    return {
      key,
      bits: e.bits,
      endian: e.endian,
      machine: e.machine,
      info,
      cacheFlags: cacheFlags(e.bits, e.machine, e.flags),
      hwcaps,
      subdirs,
      lib,
      platform,
      defaultDirs,
    };
  }
}
