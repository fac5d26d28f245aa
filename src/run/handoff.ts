/**
 * Rw binds and per-job uids. Before the job, an rw bind the job's uid could not write is opened to
 * that uid alone by a POSIX ACL entry (setfacl), taken away when the job ends: the caller's own
 * mode and owner stay as they were, and concurrent jobs each get their own entry.
 *
 * What a job wrote into its rw binds is handed to the caller (or a configured owner) when it ends,
 * so a per-job uid that a later job reuses never owns an earlier job's files. The walk never follows
 * a symlink (lchown), never leaves the bind's file system, and changes only entries owned by the
 * job's uid; the kernel clears setuid and setgid bits on such a chown.
 */
import { spawnSync } from 'node:child_process';
import { lchownSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { RunError } from '../errors.js';
import { findHostTool } from '../sys/index.js';
import { INNER_JOB_ID } from './subids.js';

function setfacl(args: string[], target: string): void {
  const bin = findHostTool('setfacl');
  if (!bin) {
    throw new RunError('RUN_MISSING_TOOL', 'setfacl not found: it opens an rw bind to the job’s own uid', {
      path: target,
      hint: 'apt-get install acl, or make the bind writable by others (chmod 1777)',
    });
  }
  const r = spawnSync(bin, [...args, '--', target], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new RunError(
      'RUN_BIND_ACL',
      `setfacl ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`,
      {
        path: target,
      },
    );
  }
}

/** An rw bind source the job's uid can write only by the "other" bits; opened by an ACL entry when it cannot. */
export function grantRwBinds(sources: readonly string[], uid: number): string[] {
  const granted: string[] = [];
  try {
    for (const s of sources) {
      const st = lstatSync(s);
      const need = st.isDirectory() ? 0o003 : 0o002;
      if ((st.mode & need) === need) continue;
      setfacl(['-m', `u:${uid}:${st.isDirectory() ? 'rwx' : 'rw'}`], s);
      granted.push(s);
    }
  } catch (e) {
    revokeRwBinds(granted, uid);
    throw e;
  }
  return granted;
}

/** Takes the job's ACL entries away again (best effort: a source removed meanwhile has none to take). */
export function revokeRwBinds(sources: readonly string[], uid: number): void {
  for (const s of sources) {
    try {
      setfacl(['-x', `u:${uid}`], s);
    } catch {}
  }
}

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

/**
 * handOver for a rootless job run as the caller's sub-id: the caller cannot chown a sub-id's files
 * on the host, but can in a user namespace that maps itself to 0 and the sub-id to INNER_JOB_ID
 * (as the job's chain did). find walks without following symlinks or leaving the file system
 * (-xdev); chown -h changes the entry itself. Entries go to the caller: the only owner it can give.
 */
export function handOverSubordinate(
  roots: readonly string[],
  job: { uid: number; gid: number },
  unshare: string,
): HandoffResult {
  if (roots.length === 0) return { changed: 0, failed: [] };
  const id = String(INNER_JOB_ID);
  const script = [
    `find "$@" -xdev -uid ${id} -print0 -exec chown -h 0 -- {} +`,
    `find "$@" -xdev -gid ${id} -print0 -exec chgrp -h 0 -- {} +`,
  ].join('; ');
  const r = spawnSync(
    unshare,
    [
      '--user',
      '--map-root-user',
      `--map-users=${job.uid},${id},1`,
      `--map-groups=${job.gid},${id},1`,
      '--',
      'sh',
      '-c',
      script,
      'jailsmith-handover',
      ...roots,
    ],
    { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
  );
  const changed = new Set((r.stdout ?? '').split('\0').filter(Boolean)).size;
  const failed = (r.stderr || r.error?.message || '')
    .split('\n')
    .filter(Boolean)
    .map((error) => ({ path: roots.join(' '), error }));
  return { changed, failed };
}
