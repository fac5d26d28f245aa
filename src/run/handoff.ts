/**
 * What a job wrote into its rw binds is handed to the caller (or a configured owner) when it ends,
 * so a per-job uid that a later job reuses never owns an earlier job's files. The walk never follows
 * a symlink (lchown), never leaves the bind's file system, and changes only entries owned by the
 * job's uid; the kernel clears setuid and setgid bits on such a chown.
 */
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface HandoffResult {
  changed: number;
  /** Entries that could not be changed (vanished, or a read error), with the reason. */
  failed: { path: string; error: string }[];
}

export function handOver(
  roots: readonly string[],
  jobUid: number,
  jobGid: number,
  owner: { uid: number; gid: number },
): HandoffResult {
  const out: HandoffResult = { changed: 0, failed: [] };
  const visit = (p: string, dev: number): void => {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch (e) {
      out.failed.push({ path: p, error: (e as Error).message });
      return;
    }
    if (st.dev !== dev) return;
    if (st.uid === jobUid || st.gid === jobGid) {
      try {
        lchownSync(p, st.uid === jobUid ? owner.uid : st.uid, st.gid === jobGid ? owner.gid : st.gid);
        out.changed++;
      } catch (e) {
        out.failed.push({ path: p, error: (e as Error).message });
      }
    }
    if (st.isDirectory()) {
      let names: string[] = [];
      try {
        names = readdirSync(p);
      } catch (e) {
        out.failed.push({ path: p, error: (e as Error).message });
      }
      for (const n of names) visit(path.join(p, n), dev);
    }
  };
  for (const r of roots) {
    const st = lstatSync(r, { throwIfNoEntry: false });
    if (st) visit(r, st.dev);
  }
  return out;
}
