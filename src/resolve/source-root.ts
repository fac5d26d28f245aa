import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, ResolveError } from '../errors.js';
import { factKey } from './file-facts.js';

/** Linux gives up after 40 links in one lookup (MAXSYMLINKS); so do we. */
const MAX_LINKS = 40;

export type FileKind = 'file' | 'dir' | 'other';

/** What the lstat of a non-link path said, kept so nobody needs to lstat it again. */
export interface PathMeta {
  kind: FileKind;
  mode: number;
  size: number;
  dev: number;
  ino: number;
  nlink: number;
  /** The file-facts key (dev, inode, size, mtime ns, ctime ns); see resolve/file-facts.ts. */
  key: string;
}

export interface RealPath {
  /** The canonical path inside the root. */
  path: string;
  /** Every symlink passed through on the way, as in-root paths, in the order met. */
  links: string[];
}

/**
 * A directory tree seen as a root filesystem. Every path is an absolute in-root path; symlinks are
 * resolved as the kernel would after chroot(dir): absolute targets restart at the root and `..`
 * never climbs above it, so no lookup can leave the root.
 */
export class SourceRoot {
  readonly dir: string;
  /** in-root path → symlink target, or null when it exists and is not a link, or undefined when absent. */
  private readonly links = new Map<string, string | null | undefined>();
  /** What each non-link path met by lstat is: a regular file, a directory, or something else. */
  private readonly metas = new Map<string, PathMeta>();
  /** Resolved paths (followLast), so repeated lookups of the same path cost one map hit. */
  private readonly resolved = new Map<string, RealPath | null>();

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /** Opens a root, refusing one that does not exist or is not a directory. */
  static open(dir: string): SourceRoot {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(dir);
    } catch (e) {
      throw new ResolveError('ROOT_NOT_FOUND', `source root does not exist: ${errnoCode(e) ?? e}`, {
        path: dir,
      });
    }
    if (!st.isDirectory())
      throw new ResolveError('ROOT_NOT_DIR', 'source root is not a directory', { path: dir });
    return new SourceRoot(dir);
  }

  get isHost(): boolean {
    return this.dir === '/';
  }

  /** Host path of an in-root path, without resolving anything. */
  host(inRoot: string): string {
    const norm = normalizeInRoot(inRoot);
    return this.dir === '/' ? norm : norm === '/' ? this.dir : this.dir + norm;
  }

  /** Host path of a normalised in-root path (as realpath() returns them), without re-normalising. */
  hostOfReal(real: string): string {
    return this.dir === '/' ? real : real === '/' ? this.dir : this.dir + real;
  }

  /** The in-root path of a host path under this root, or null when it lies outside. */
  fromHost(hostPath: string): string | null {
    const abs = path.resolve(hostPath);
    if (this.dir === '/') return abs;
    if (abs === this.dir) return '/';
    return abs.startsWith(`${this.dir}/`) ? abs.slice(this.dir.length) : null;
  }

  /** UTF-8 text of an in-root file resolved inside the root; null when absent or unreadable. */
  readText(inRoot: string): string | null {
    const real = this.realpath(inRoot);
    if (!real) return null;
    try {
      return readFileSync(this.host(real.path), 'utf8');
    } catch {
      return null;
    }
  }

  /** Symlink target of an in-root path, null when not a link, undefined when absent. Cached. */
  readlink(inRoot: string): string | null | undefined {
    return this.linkOf(normalizeInRoot(inRoot));
  }

  /** readlink() for a path already normalised (as walk() builds them). */
  private linkOf(p: string): string | null | undefined {
    const known = this.links.get(p);
    if (known !== undefined || this.links.has(p)) return known;
    const host = this.hostOfReal(p);
    let v: string | null | undefined;
    try {
      // No exception for the common "absent" answer: the search probes many missing paths.
      // bigint: the nanosecond times make the file-facts key, so the resolver needs no lstat of its own.
      const st = lstatSync(host, { bigint: true, throwIfNoEntry: false });
      v = st === undefined ? undefined : st.isSymbolicLink() ? readlinkSync(host) : null;
      if (st && v === null) {
        this.metas.set(p, {
          kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other',
          mode: Number(st.mode),
          size: Number(st.size),
          dev: Number(st.dev),
          ino: Number(st.ino),
          nlink: Number(st.nlink),
          key: factKey(st),
        });
      }
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      v = undefined;
    }
    this.links.set(p, v);
    return v;
  }

  /**
   * The kind of a resolved in-root path (as realpath() returns it): opening a FIFO or a device to
   * sniff it could block, so callers look first. undefined when absent.
   */
  kind(real: string): FileKind | undefined {
    return this.meta(real)?.kind;
  }

  /** The lstat facts of a resolved in-root path (taken once, when the lookup met it); undefined when absent. */
  meta(real: string): PathMeta | undefined {
    if (!this.metas.has(real) && this.linkOf(real) !== null) return undefined;
    return this.metas.get(real);
  }

  /**
   * Resolves every symlink of an in-root path inside the root. Returns null when a component is
   * missing; throws ROOT_SYMLINK_LOOP past 40 links. With followLast false the last component is
   * left as it is (like lstat). Results are cached and shared: do not modify them.
   */
  realpath(inRoot: string, followLast = true): RealPath | null {
    if (!followLast) return this.walk(inRoot, false);
    let r = this.resolved.get(inRoot);
    if (r === undefined) {
      r = this.resolveViaParent(inRoot) ?? this.walk(inRoot, true);
      this.resolved.set(inRoot, r);
    }
    return r;
  }

  /**
   * Most lookups share their directory with earlier ones (thousands of names in a few library
   * directories): start from the parent's cached resolution and look at the last name only.
   * Returns undefined when that shortcut does not apply.
   */
  private resolveViaParent(inRoot: string): RealPath | null | undefined {
    const slash = inRoot.lastIndexOf('/');
    if (slash < 0) return undefined;
    const base = inRoot.slice(slash + 1);
    if (base === '' || base === '.' || base === '..') return undefined;
    const parent: RealPath | null =
      slash === 0 ? { path: '/', links: [] } : this.realpath(inRoot.slice(0, slash));
    if (parent === null) return null;
    const next = parent.path === '/' ? `/${base}` : `${parent.path}/${base}`;
    const target = this.linkOf(next);
    if (target === undefined) return null;
    if (target === null) return { path: next, links: parent.links };
    return undefined;
  }

  private walk(inRoot: string, followLast: boolean): RealPath | null {
    const links: string[] = [];
    const pending = splitInRoot(inRoot).reverse();
    let cur = '/';
    let hops = 0;
    while (pending.length > 0) {
      const comp = pending.pop() as string;
      if (comp === '..') {
        cur = path.posix.dirname(cur);
        continue;
      }
      const next = cur === '/' ? `/${comp}` : `${cur}/${comp}`;
      const target = this.linkOf(next);
      if (target === undefined) return null;
      if (target === null || (!followLast && pending.length === 0)) {
        cur = next;
        continue;
      }
      if (++hops > MAX_LINKS) {
        throw new ResolveError('ROOT_SYMLINK_LOOP', 'too many levels of symbolic links', {
          path: inRoot,
          details: { root: this.dir, links },
        });
      }
      links.push(next);
      if (target.startsWith('/')) cur = '/';
      pending.push(...splitInRoot(target).reverse());
    }
    return { path: cur, links };
  }
}

/** Splits an in-root path into components, dropping empty ones and '.'. Keeps '..' for the caller. */
function splitInRoot(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** An empty, '.' or '..' component, or a trailing slash. */
const ABNORMAL = /\/\/|\/\.\.?(?:\/|$)|\/$/;

/** Lexical normalisation of an in-root path: absolute, no '.', '..' clamped at '/'. */
export function normalizeInRoot(p: string): string {
  // Most paths are normal already (every name a tree walk builds): skip the split and join.
  if (p.length > 1 && p.charCodeAt(0) === 0x2f && !ABNORMAL.test(p)) return p;
  const out: string[] = [];
  for (const c of splitInRoot(p)) {
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}
