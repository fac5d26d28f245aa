import { readdirSync } from 'node:fs';
import { PlanError } from '../errors.js';
import type { PathMeta } from '../resolve/index.js';
import { type PlanContext, Rank } from './context.js';

/** How much of a file's dependencies to follow: all of them strictly, leniently (trees), or none (closures). */
export type ResolveMode = 'strict' | 'lenient' | 'none';

export interface CopyOptions {
  resolve: ResolveMode;
  /** Copy a directory's whole content. */
  tree?: boolean;
  /** Which spec key asked for it, for messages. */
  origin: string;
  /** Copy even when an exclude glob matches (the spec named this very path). */
  force?: boolean;
  /** Found by walking a tree: a dangling link there is kept as it is, not an error. */
  inTree?: boolean;
}

/** What a renamed or re-owned copy gets instead of the source's mode and root ownership. */
export interface CopyAttrs {
  mode?: number | undefined;
  uid?: number;
  gid?: number;
  /** Precedence of the entry (default: copied). */
  rank?: Rank;
}

const SPECIAL = 0o6000;

/**
 * Copies in-root paths into the plan: every symlink on the way (with its target), the file or
 * directory itself, and (through the resolver, queued) the shared-library closure of each file.
 * Only reads the source root.
 */
export class Copier {
  private readonly ctx: PlanContext;
  private readonly seen = new Set<string>();
  private readonly pending: Promise<void>[] = [];
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private failure: { error: unknown } | undefined;

  constructor(ctx: PlanContext) {
    this.ctx = ctx;
  }

  /** Plans an in-root path; throws PLAN_NOT_FOUND when it does not exist in the root. */
  copy(path: string, opts: CopyOptions): void {
    const key = `${opts.tree ? 't' : 'f'}${opts.resolve[0]}${path}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (!opts.force && this.ctx.excluded(path)) return;
    const { root } = this.ctx;
    const real = root.realpath(path);
    // The lookup's own lstat of the real path (cached by the root): no second one per file.
    const st = real ? root.meta(real.path) : undefined;
    if (!real || !st) {
      if (opts.inTree && this.copyDangling(path)) return;
      throw new PlanError(
        'PLAN_NOT_FOUND',
        `${path} (from ${opts.origin}) does not exist in the source root`,
        {
          path,
          details: { root: root.dir },
        },
      );
    }
    for (const link of real.links) this.addLink(link, opts.origin);
    if (st.kind === 'dir') {
      this.addDir(real.path, st, opts.origin);
      if (opts.tree) this.walk(real.path, opts);
    } else if (st.kind === 'file') {
      this.addFile(real.path, real.path, st, opts);
    } else {
      this.ctx.notes.add(`skipped ${real.path}: not a regular file, directory or symlink`);
    }
  }

  /** Plans a regular file of the root under another jail path (files: {path, from}). */
  copyAs(jailPath: string, from: string, attrs: CopyAttrs, origin: string): void {
    const real = this.ctx.root.realpath(from);
    const st = real ? this.ctx.root.meta(real.path) : undefined;
    if (!real || st?.kind !== 'file') {
      throw new PlanError('PLAN_NOT_FOUND', `${from} (from ${origin}) is not a file in the source root`, {
        path: from,
      });
    }
    this.addFile(jailPath, real.path, st, { resolve: 'lenient', origin }, attrs);
  }

  /** Waits for every queued resolution, including those the results queue in turn. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await Promise.all(this.pending.splice(0));
    if (this.failure) throw this.failure.error;
  }

  private walk(dir: string, opts: CopyOptions): void {
    const names = readdirSync(this.ctx.root.host(dir)).sort();
    for (const name of names) {
      const child = dir === '/' ? `/${name}` : `${dir}/${name}`;
      if (this.ctx.excluded(child)) continue;
      const isLink = this.ctx.root.readlink(child) !== null;
      // A link inside a tree brings its target, but never the whole tree behind a linked directory.
      this.copy(child, { ...opts, tree: !isLink, inTree: true });
    }
  }

  /** A link whose target is absent: the jail gets the link as in the source, and a note. */
  private copyDangling(path: string): boolean {
    const self = this.ctx.root.realpath(path, false);
    if (!self || typeof this.ctx.root.readlink(self.path) !== 'string') return false;
    for (const link of [...self.links, self.path]) this.addLink(link, `dangling link ${path}`);
    this.ctx.notes.add(`${path} is a dangling symlink in the source root; copied as it is`);
    return true;
  }

  private addLink(link: string, origin: string): void {
    const target = this.ctx.root.readlink(link);
    if (typeof target !== 'string') return;
    this.ctx.add({ type: 'symlink', path: link, target, mode: 0o777, uid: 0, gid: 0 }, Rank.copied, origin);
  }

  private addDir(path: string, st: PathMeta, origin: string): void {
    const mode = st.mode & 0o7777 & ~(this.ctx.keepsSetuid(path) ? 0 : SPECIAL);
    this.ctx.add({ type: 'dir', path, mode, uid: 0, gid: 0 }, Rank.copied, origin);
  }

  private addFile(
    jailPath: string,
    real: string,
    st: PathMeta,
    opts: CopyOptions,
    attrs: CopyAttrs = {},
  ): void {
    let m = attrs.mode ?? st.mode & 0o7777;
    if (m & SPECIAL) {
      if (this.ctx.keepsSetuid(jailPath)) this.ctx.notes.add(`kept setuid/setgid bits on ${jailPath}`);
      else m &= ~SPECIAL;
    }
    const source = this.ctx.root.host(real);
    this.ctx.add(
      {
        type: 'file',
        path: jailPath,
        source,
        mode: m,
        uid: attrs.uid ?? 0,
        gid: attrs.gid ?? 0,
        sha256: '',
        size: st.size,
      },
      attrs.rank ?? Rank.copied,
      opts.origin,
    );
    this.ctx.sources.set(jailPath, { dev: st.dev, ino: st.ino, nlink: st.nlink, key: st.key });
    if (opts.resolve !== 'none') this.queue(real, opts);
  }

  private queue(file: string, opts: CopyOptions): void {
    this.pending.push(
      this.limit(async () => {
        const deps = await this.ctx.resolver.resolve(file, { lenient: opts.resolve === 'lenient' });
        if (!deps) return;
        for (const m of deps.missing) {
          // A stray script in a tree naming an absent interpreter (cgi.py: /usr/local/bin/python) is noise.
          if (opts.resolve === 'lenient' && m.startsWith('/')) continue;
          this.ctx.notes.add(`${file} needs ${m}, which is not in the source root`);
        }
        for (const f of deps.files) this.copy(f, { resolve: 'none', origin: `closure of ${file}` });
      }).catch((error: unknown) => {
        // Kept until drain(): a rejection nobody awaits yet would otherwise be reported as unhandled.
        this.failure ??= { error };
      }),
    );
  }

  /** At most 8 resolutions at once: the resolver reads files, and the machine is small. */
  private async limit(fn: () => Promise<void>): Promise<void> {
    if (this.running >= 8) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
