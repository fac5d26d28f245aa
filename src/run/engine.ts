/**
 * The argument vector of a run, built as data (no shell strings from input) so it can be tested
 * and shown. One process execs through the steps; bubblewrap does the sandbox itself:
 *
 *   setpriv --pdeathsig KILL                      the whole chain dies with the caller
 *   unshare --mount --propagation private         (rootless: also --user --map-root-user)
 *   sh -c SETUP ERRFILE MOUNT KEYCTL N CG... B SRC DIR... T OPTS DIR...
 *                                                 as root of that mount namespace: joins the job's
 *                                                 cgroups, binds the jail and each bind source onto
 *                                                 private staging dirs (so the job's uid needs no
 *                                                 way to the paths they came from), mounts each
 *                                                 writable place as a size-limited noexec tmpfs
 *                                                 (bubblewrap 0.8's --tmpfs has no noexec, and a
 *                                                 bind keeps the flags), and puts itself in a
 *                                                 fresh anonymous session keyring
 *   prlimit --core=0 ...                          per-process rlimits
 *   [setpriv --reuid U --regid U --clear-groups ...]
 *                                                 root: the per-job host uid, no capabilities left
 *   bwrap --unshare-user --uid JU --gid JG --unshare-all [--share-net] --die-with-parent
 *         --new-session --cap-drop ALL --disable-userns [--seccomp 3]
 *         --ro-bind STAGE/root / --proc /proc --bind STAGE/i TMPFS|BIND... --dev-bind DEV...
 *         --chdir WORKDIR --clearenv --setenv ... -- COMMAND...
 *
 * bubblewrap pivot_roots into a fresh mount tree whose root is the jail (read-only, nosuid, nodev)
 * and detaches the old root, so no fd, path or '..' of the job leads outside its own tree.
 */

import { octalMode } from '../sys/index.js';
import type { HostTools } from './host-tools.js';
import type { PreparedRun } from './prepare.js';
import type { RunLimits } from './types.js';

/** Exit status of the setup step when it failed (its reason is in the error file). */
export const SETUP_FAILED = 125;

const SETUP_SCRIPT = [
  'exec 8>&2 2>"$1"',
  'mount=$2 keyctl=$3',
  'shift 3',
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do echo $$ >"$1" || exit 125; shift; n=$((n-1)); done',
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do "$mount" -n --bind "$1" "$2" || exit 125; shift 2; n=$((n-1)); done',
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do "$mount" -n -t tmpfs -o "$1" tmpfs "$2" || exit 125; shift 2; n=$((n-1)); done',
  '"$keyctl" new_session >/dev/null || exit 125',
  'exec 2>&8 8>&-',
  'exec "$@"',
].join('\n');

const RLIMIT_FLAG: Record<'cpu' | 'as' | 'fsize' | 'nofile' | 'nproc', string> = {
  cpu: '--cpu',
  as: '--as',
  fsize: '--fsize',
  nofile: '--nofile',
  nproc: '--nproc',
};

export type Rlimits = Partial<Record<keyof typeof RLIMIT_FLAG, number>>;

/** The rlimits of each process, plus no core dumps ever: a core_pattern pipe would hand the dump to a host program. */
export function prlimitArgs(limits: Rlimits): string[] {
  const out: string[] = ['--core=0:0'];
  for (const key of Object.keys(RLIMIT_FLAG).sort() as (keyof typeof RLIMIT_FLAG)[]) {
    const v = limits[key];
    if (v !== undefined) out.push(`${RLIMIT_FLAG[key]}=${Math.ceil(v)}:${Math.ceil(v)}`);
  }
  return out;
}

/** Per-process rlimits for a job's limits: those a cgroup enforces are left to it, unless there is none. */
export function rlimitsFor(limits: RunLimits, withCgroup: boolean): Rlimits {
  const out: Rlimits = {};
  if (limits.cpu !== undefined) out.cpu = limits.cpu;
  if (limits.as !== undefined) out.as = limits.as;
  if (limits.fsize !== undefined) out.fsize = limits.fsize;
  if (limits.nofile !== undefined) out.nofile = limits.nofile;
  if (!withCgroup) {
    // The fallback the result names: per process, and per host uid for nproc.
    if (limits.mem !== undefined && out.as === undefined) out.as = limits.mem;
    if (limits.nproc !== undefined) out.nproc = limits.nproc;
  }
  return out;
}

export interface EngineInput {
  tools: HostTools;
  prep: PreparedRun;
  net: 'none' | 'host';
  /** Root: the per-job host uid (= gid) the engine becomes. Null: the caller's own identity (rootless). */
  become: number | null;
  rootless: boolean;
  rlimits: Rlimits;
  /** cgroup.procs (or tasks) files the first process joins. */
  cgroupJoin: string[];
  /**
   * Host mount points under a directory the job's uid may traverse: `root` for the jail, one per
   * bind and one per tmpfs. The setup step (root) mounts the jail and bind sources there, so
   * bubblewrap (the job's uid) needs no access to the paths they came from.
   */
  stage: { root: string; binds: string[]; tmpfs: string[] };
  /** Owner (host ids, or the namespace's root when rootless) of the tmpfs roots. */
  tmpfsOwner: { uid: number; gid: number };
  errorFile: string;
  /** The fd bubblewrap reads the seccomp program from, or null for none. */
  seccompFd: number | null;
}

function tmpfsOptions(t: PreparedRun['tmpfs'][number], owner: { uid: number; gid: number }): string {
  return [
    `size=${t.size}`,
    `mode=${octalMode(t.mode)}`,
    `uid=${owner.uid}`,
    `gid=${owner.gid}`,
    'nosuid',
    'nodev',
    ...(t.exec ? [] : ['noexec']),
  ].join(',');
}

export function bwrapArgs(e: EngineInput): string[] {
  const p = e.prep;
  const mounts: { target: string; args: string[] }[] = [
    ...p.tmpfs.map((t, i) => ({ target: t.target, args: ['--bind', e.stage.tmpfs[i] as string, t.target] })),
    ...p.binds.map((b, i) => ({
      target: b.target,
      args: [b.readOnly ? '--ro-bind' : '--bind', e.stage.binds[i] as string, b.target],
    })),
  ];
  // Parents before children: a bind inside a tmpfs is mounted after the tmpfs.
  mounts.sort((a, b) => a.target.localeCompare(b.target));
  return [
    e.tools.bwrap,
    '--unshare-user',
    '--uid',
    String(p.uid),
    '--gid',
    String(p.gid),
    '--unshare-all',
    ...(e.net === 'host' ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--disable-userns',
    ...(e.seccompFd !== null ? ['--seccomp', String(e.seccompFd)] : []),
    '--ro-bind',
    e.stage.root,
    '/',
    '--proc',
    '/proc',
    ...mounts.flatMap((m) => m.args),
    ...p.devices.flatMap((d) => ['--dev-bind', d.host, d.target]),
    '--chdir',
    p.workdir,
    '--clearenv',
    ...Object.entries(p.env)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .flatMap(([k, v]) => ['--setenv', k, v]),
    '--',
    ...p.command,
  ];
}

export function engineArgv(e: EngineInput): string[] {
  const t = e.tools;
  const become =
    e.become !== null
      ? [
          t.setpriv,
          `--reuid=${e.become}`,
          `--regid=${e.become}`,
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--no-new-privs',
          '--',
        ]
      : [];
  return [
    // Rootless forced by root: the per-job uid makes the user namespace, as a caller without root would.
    ...(e.rootless ? become : []),
    // After any identity change, which would clear it.
    t.setpriv,
    '--pdeathsig',
    'KILL',
    t.unshare,
    ...(e.rootless ? ['--user', '--map-root-user'] : []),
    '--mount',
    '--propagation',
    'private',
    '--',
    t.sh,
    '-c',
    SETUP_SCRIPT,
    'jailsmith-setup',
    e.errorFile,
    t.mount,
    t.keyctl,
    String(e.cgroupJoin.length),
    ...e.cgroupJoin,
    String(e.prep.binds.length + 1),
    e.prep.root.dir,
    e.stage.root,
    ...e.prep.binds.flatMap((b, i) => [b.source, e.stage.binds[i] as string]),
    String(e.prep.tmpfs.length),
    ...e.prep.tmpfs.flatMap((m, i) => [tmpfsOptions(m, e.tmpfsOwner), e.stage.tmpfs[i] as string]),
    t.prlimit,
    ...prlimitArgs(e.rlimits),
    '--',
    // Root mode: root made the mounts; bubblewrap runs as the per-job uid, never as root.
    ...(e.rootless ? [] : become),
    ...bwrapArgs(e),
  ];
}
