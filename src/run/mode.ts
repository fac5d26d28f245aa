/**
 * Who the job is on the host. As root, every job gets a host uid (= gid) of its own from the
 * per-job range (src/run/uid-pool.ts), and the engine runs as that uid: bubblewrap then maps it
 * to the jail's user in an unprivileged user namespace. Never root with a user namespace, which
 * would make the job host uid 0. Without root (rootless), a caller with subordinate ids and
 * newuidmap gets the same from its own /etc/subuid range (src/run/subids.ts); otherwise the job is
 * the caller's own uid, and the result says per-job uids are missing. Root may force rootless to
 * test that path: it then runs it as a per-job uid.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { errnoCode, RunError } from '../errors.js';
import type { SourceRoot } from '../resolve/index.js';
import { octalMode } from '../sys/index.js';
import type { PreparedTmpfs } from './prepare.js';
import { subordinateIds } from './subids.js';
import type { UidRange } from './types.js';
import { checkUidRange, configuredUidRange, type HeldUid, holdUid, parseUidRange } from './uid-pool.js';

export interface RunMode {
  rootless: boolean;
  /** The per-job host uid held for this job (root's range, or the caller's sub-ids). Null: the caller's own uid. */
  held: HeldUid | null;
  /** The uid (= gid, in root mode) the job's processes have on the host. */
  hostUid: number;
  hostGid: number;
  /**
   * Rootless with sub-ids: the host uid and gid the chain maps to INNER_JOB_ID in its user
   * namespace (the caller is root there). Null otherwise.
   */
  subordinate: { uid: number; gid: number } | null;
  /** Why a rootless run has no per-job uid (no sub-ids, no newuidmap); null when it has one. */
  noPerJobUid: string | null;
}

function readNumber(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Refuses up front when the kernel allows no unprivileged user namespace, which bubblewrap needs. */
function checkUserNamespaces(): void {
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  const clone = readNumber('/proc/sys/kernel/unprivileged_userns_clone');
  if (max === 0 || clone === 0) {
    throw new RunError(
      'RUN_NO_USERNS',
      'this kernel allows no unprivileged user namespace, which the job needs',
      {
        path: max === 0 ? '/proc/sys/user/max_user_namespaces' : '/proc/sys/kernel/unprivileged_userns_clone',
        hint: 'ask the machine’s admin to enable user namespaces',
      },
    );
  }
}

export async function runMode(asked: boolean | undefined, range: UidRange | undefined): Promise<RunMode> {
  const euid = process.geteuid?.() ?? 0;
  const rootless = asked ?? euid !== 0;
  if (!rootless && euid !== 0) {
    throw new RunError('RUN_NEEDS_ROOT', 'the root mode of run needs root', {
      hint: 'leave out --no-rootless: without root jailsmith runs the job in a user namespace',
    });
  }
  checkUserNamespaces();
  if (euid !== 0) return rootlessMode(euid, process.getegid?.() ?? euid, range);
  const r = configuredUidRange(range);
  checkUidRange(r);
  const held = await holdUid(r);
  return { rootless, held, hostUid: held.uid, hostGid: held.uid, subordinate: null, noPerJobUid: null };
}

/** Without root: a held sub-id when the caller has them, else its own uid (and why). */
async function rootlessMode(uid: number, gid: number, range: UidRange | undefined): Promise<RunMode> {
  const env = process.env.JAILSMITH_UID_RANGE;
  const asked = range ?? (env ? parseUidRange(env, 'JAILSMITH_UID_RANGE') : undefined);
  const sub = subordinateIds(uid, gid, asked);
  if ('reason' in sub) {
    return {
      rootless: true,
      held: null,
      hostUid: uid,
      hostGid: gid,
      subordinate: null,
      noPerJobUid: sub.reason,
    };
  }
  const held = await holdUid(sub.uids);
  const jobGid = sub.gidFirst + (held.uid - sub.uids.first);
  return {
    rootless: true,
    held,
    hostUid: held.uid,
    hostGid: jobGid,
    subordinate: { uid: held.uid, gid: jobGid },
    noPerJobUid: null,
  };
}

/**
 * The job must be able to enter its workdir, said before anything runs rather than as a failed
 * chdir. A per-job uid owns nothing of the jail: it enters by the "other" bits, or a tmpfs of its own.
 * The caller's own uid (rootless) is asked of the kernel.
 */
export function checkWorkdirReachable(
  root: SourceRoot,
  workdir: string,
  tmpfs: readonly PreparedTmpfs[],
  mode: RunMode,
): void {
  const parts = workdir.split('/').filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = `/${parts.slice(0, i).join('/')}`;
    const t = tmpfs.find((m) => m.target === dir);
    if (t) {
      if (i < parts.length) {
        throw new RunError(
          'RUN_BAD_WORKDIR',
          `the workdir ${workdir} lies inside the job's empty tmpfs ${dir}`,
          {
            path: root.dir,
            hint: `--workdir ${dir}`,
          },
        );
      }
      return;
    }
    const real = root.realpath(dir);
    if (!real) return; // prepareRun has checked that it exists
    const host = root.host(real.path);
    if (mode.held) {
      const st = statSync(host, { throwIfNoEntry: false });
      if (st && (st.mode & 0o001) === 0) {
        throw new RunError(
          'RUN_WORKDIR_CLOSED',
          `the workdir ${workdir} is closed to the job: ${dir} is mode ${octalMode(st.mode)}, owner ${st.uid}, and the job runs as a uid of its own`,
          {
            path: host,
            hint: `give the job a tmpfs there (run.tmpfs: [{path: ${dir}}]) or --workdir elsewhere`,
          },
        );
      }
      continue;
    }
    try {
      accessSync(host, constants.X_OK);
    } catch (e) {
      if (errnoCode(e) !== 'EACCES') throw e;
      throw new RunError(
        'RUN_WORKDIR_CLOSED',
        `rootless run: the workdir ${workdir} is closed to uid ${mode.hostUid}`,
        {
          path: host,
          hint: '--workdir / (or another directory you can enter), a tmpfs there, or run as root',
        },
      );
    }
  }
}
