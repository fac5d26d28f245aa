import { existsSync, lstatSync, readdirSync, renameSync, type Stats } from 'node:fs';
import { errnoCode, RootError } from '../errors.js';
import type { PlanEntry } from '../plan/index.js';
import { ensureAncestors } from './ancestors.js';
import { under } from './jail-path.js';
import { inspectPreserved, movePreserved, outermost, type PreservedDir } from './preserve.js';
import {
  acquireLock,
  createStaging,
  findLeftovers,
  type JailPaths,
  jailPaths,
  renameAside,
} from './staging.js';
import { mountsUnder, removeTree } from './tree-ops.js';
import { type StagedStat, StagingWriter, type WriteProgress } from './writer.js';

export interface TargetOptions {
  /** Skip the ancestor check (--unsafe-ancestors). */
  unsafeAncestors?: boolean;
  /** Directories whose contents survive a rebuild. */
  preserve?: PreservedDir[];
}

/**
 * A jail directory opened for writing: checked (ancestors, type, mounts), locked, and recovered
 * from any interrupted earlier build. Call `replace` to swap a new tree in, `release` always.
 */
export class JailTarget {
  readonly paths: JailPaths;
  private readonly preserve: PreservedDir[];
  private readonly unlock: () => void;
  /** Messages worth showing the user (a preserved path that was a link, a leftover cleaned). */
  readonly notes: string[] = [];

  private constructor(paths: JailPaths, preserve: PreservedDir[], unlock: () => void) {
    this.paths = paths;
    this.preserve = outermost(preserve);
    this.unlock = unlock;
  }

  static async open(dir: string, opts: TargetOptions = {}): Promise<JailTarget> {
    const j = jailPaths(dir);
    if (!opts.unsafeAncestors) ensureAncestors(j.dir);
    else if (!existsSync(j.parent)) {
      throw new RootError('ROOT_ANCESTOR_MISSING', 'parent directory does not exist', { path: j.parent });
    }
    checkDirType(j.dir);
    const mounts = mountsUnder(j.dir);
    if (mounts.length > 0) {
      throw new RootError(
        'ROOT_MOUNTED',
        `something is mounted inside the jail (${mounts[0]}); unmount it (is the jail running?) and rebuild`,
        {
          path: j.dir,
        },
      );
    }
    const t = new JailTarget(j, opts.preserve ?? [], acquireLock(j));
    try {
      await t.recover();
      // Refuse now, before anything moves, if user data could not be carried over safely.
      if (t.exists) for (const d of t.preserve) t.noteState(d, inspectPreserved(j.dir, d.path));
    } catch (e) {
      t.release();
      throw e;
    }
    return t;
  }

  get exists(): boolean {
    return existsSync(this.paths.dir);
  }

  release(): void {
    this.unlock();
  }

  /**
   * Builds `entries` into a fresh private staging tree and swaps it in. If anything fails before
   * the swap, the staging tree is removed and DIR was never touched.
   */
  async replace(
    entries: PlanEntry[],
    sourceRoot = '/',
    onStaged?: (root: string, files: ReadonlyMap<string, StagedStat>) => void,
    progress?: WriteProgress,
    hostSources: readonly string[] = [],
  ): Promise<void> {
    await this.swapIn(async (staging) => {
      const w = new StagingWriter(staging, sourceRoot, hostSources);
      await w.write(entries, progress);
      onStaged?.(staging, w.staged);
    });
  }

  /**
   * Lets `fill` write a whole new tree into a fresh private staging directory (an EntrySink or
   * StagingWriter on it), then swaps that tree in. If `fill` throws, the staging tree is removed
   * and DIR was never touched.
   */
  async swapIn(fill: (staging: string) => Promise<void>): Promise<void> {
    const j = this.paths;
    const staging = createStaging(j);
    let ready: string;
    try {
      await fill(staging);
      ready = renameAside(j, staging, 'ready');
    } catch (e) {
      await removeTree(staging).catch(() => undefined);
      throw e;
    }
    // The swap. Between the two renames DIR is briefly absent (Node has no renameat2
    // RENAME_EXCHANGE): a process entering the jail in those microseconds fails and can retry.
    // If we die in that window, the next build finds the `ready` tree (complete, maybe already
    // holding some user data) and the `old` one, promotes `ready` to DIR, carries any preserved
    // directory still in `old` over, and only then removes `old`: a rerun always recovers.
    let old: string | null = null;
    let failed: unknown;
    if (this.exists) {
      old = renameAside(j, j.dir, 'old');
      try {
        for (const d of this.preserve) await movePreserved(old, ready, d, true);
      } catch (e) {
        failed = e;
      }
    }
    renameSync(ready, j.dir);
    if (old === null) return;
    if (failed !== undefined) {
      // Never delete the old tree while it may hold user data we could not move.
      throw new RootError(
        'ROOT_PRESERVE_FAILED',
        `new jail in place, but user data stays in ${old}: ${msg(failed)}; fix that and rebuild to carry it over`,
        {
          path: j.dir,
          cause: failed,
        },
      );
    }
    await removeTree(old);
  }

  /** Leftovers of an interrupted build: restore a jail if DIR is missing, keep user data, clean up. */
  private async recover(): Promise<void> {
    const j = this.paths;
    const lo = findLeftovers(j);
    if (!this.exists) {
      const cand = lo.ready.pop() ?? lo.old.pop();
      if (cand !== undefined) {
        renameSync(cand, j.dir);
        this.notes.push(`restored ${j.dir} from an interrupted build`);
      }
    }
    for (const x of [...lo.ready, ...lo.old]) {
      let kept = false;
      for (const d of this.preserve) {
        if (!(await movePreserved(x, j.dir, d, false)) && holdsData(x, d.path) && lo.old.includes(x))
          kept = true;
      }
      if (kept)
        this.notes.push(`kept ${x}: it holds user data that ${j.dir} already has a non-empty place for`);
      else await removeTree(x);
    }
    for (const s of lo.staging) await removeTree(s);
    const n = lo.staging.length + lo.ready.length + lo.old.length;
    if (n > 0) this.notes.push(`removed ${n} leftover tree(s) of an interrupted build`);
  }

  private noteState(d: PreservedDir, state: ReturnType<typeof inspectPreserved>): void {
    if (state === 'not-dir' || state === 'link-in-path') {
      this.notes.push(`${d.path} is not a real directory in the existing jail (a link?): not kept`);
    }
  }
}

/** An existing DIR must be a real directory: a symlink or file there is refused, never followed. */
function checkDirType(dir: string): void {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return;
    throw new RootError('ROOT_DIR_UNREADABLE', `cannot inspect: ${errnoCode(e)}`, { path: dir });
  }
  if (st.isSymbolicLink()) {
    throw new RootError(
      'ROOT_DIR_SYMLINK',
      'the jail directory is a symlink; name the real directory instead',
      {
        path: dir,
      },
    );
  }
  if (!st.isDirectory())
    throw new RootError('ROOT_DIR_NOT_DIR', 'the jail directory exists and is not a directory', {
      path: dir,
    });
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A real, non-empty directory at p under root (lstat only). */
function holdsData(root: string, p: string): boolean {
  try {
    return inspectPreserved(root, p) === 'dir' && readdirSync(under(root, p)).length > 0;
  } catch {
    return true; // cannot tell: keep it
  }
}
