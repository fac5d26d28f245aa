/**
 * Subordinate ids for rootless runs: a caller without root who owns a range in /etc/subuid and
 * /etc/subgid (as podman and rootless docker use them) and has newuidmap/newgidmap (Debian's
 * uidmap) gets a host uid of its own for each job too, held like root's per-job uids. The job's
 * chain maps the caller to root of its user namespace (for the mounts) and the job's sub-id to
 * uid 1 there, which the engine becomes; bubblewrap maps the jail's user onto that.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { UsageError } from '../errors.js';
import { findHostTool } from '../sys/index.js';
import type { UidRange } from './types.js';

export const SUBID_FILES = { subuid: '/etc/subuid', subgid: '/etc/subgid' };

/** The uid (= gid) a job's sub-id is inside the chain's user namespace; 0 there is the caller. */
export const INNER_JOB_ID = 1;

export interface SubordinateIds {
  /** Host uids the caller may map (its first /etc/subuid range, or the asked part of it). */
  uids: UidRange;
  /** The first host gid of its /etc/subgid range: a job's gid has the same offset as its uid. */
  gidFirst: number;
  gidCount: number;
}

interface Range {
  first: number;
  count: number;
}

/** The caller's first range in a subuid/subgid file, by user (or group) name or number. */
function firstRange(file: string, names: readonly string[]): Range | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [who, first, count] = line.trim().split(':');
    if (!who || !names.includes(who) || !/^\d+$/.test(first ?? '') || !/^\d+$/.test(count ?? '')) continue;
    if (Number(count) > 0) return { first: Number(first), count: Number(count) };
  }
  return null;
}

/**
 * The caller's subordinate ids, or why it has none usable: no range in either file, or no
 * newuidmap/newgidmap to map them. A range asked for (--uid-range, JAILSMITH_UID_RANGE) must lie
 * inside the caller's own.
 */
export function subordinateIds(
  uid: number,
  gid: number,
  asked: UidRange | undefined,
  files = SUBID_FILES,
): SubordinateIds | { reason: string } {
  let name: string | null = null;
  try {
    name = userInfo().username;
  } catch {} // a uid without a passwd entry: numbers only
  const uids = firstRange(files.subuid, [String(uid), ...(name ? [name] : [])]);
  const gids = firstRange(files.subgid, [String(gid), ...(name ? [name] : [])]);
  if (!uids || !gids) {
    const missing = !uids ? files.subuid : files.subgid;
    return { reason: `uid ${uid} has no subordinate range in ${missing}` };
  }
  for (const tool of ['newuidmap', 'newgidmap']) {
    if (!findHostTool(tool)) return { reason: `${tool} is not installed (Debian: apt-get install uidmap)` };
  }
  const own: UidRange = { first: uids.first, last: uids.first + Math.min(uids.count, gids.count) - 1 };
  if (asked && (asked.first < own.first || asked.last > own.last)) {
    throw new UsageError(
      'RUN_BAD_UID_RANGE',
      `the job uid range ${asked.first}-${asked.last} is not inside your subordinate range ${own.first}-${own.last}`,
      { path: files.subuid },
    );
  }
  return { uids: asked ?? own, gidFirst: gids.first, gidCount: gids.count };
}
