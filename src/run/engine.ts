/**
 * The argument vector of a run, built as data (no shell strings from input) so it can be tested
 * and shown. One process execs through the first steps, the setup shell stays (the init of the
 * chain's PID namespace) and its child execs through the rest; bubblewrap does the sandbox itself:
 *
 *   unshare --mount --propagation private --pid --fork --kill-child
 *                                                 (rootless: also --user --map-root-user, and
 *                                                 --map-users/--map-groups for a sub-id)
 *   sh -c SETUP ERRFILE MOUNT KEYCTL FSTAB N JOIN1..JOINN
 *                                                 as root of that mount namespace, while the caller
 *                                                 still makes the job's cgroups and checks the
 *                                                 audit verdict: starts a watcher that ends
 *                                                 everything when the caller dies; binds the jail
 *                                                 and each bind source onto private staging dirs
 *                                                 (so the job's uid needs no way to the paths they
 *                                                 came from) and mounts each writable place as a
 *                                                 size-limited noexec tmpfs (bubblewrap 0.8's
 *                                                 --tmpfs has no noexec, and a bind keeps the
 *                                                 flags), and puts itself in a fresh anonymous
 *                                                 session keyring, all at once; waits for the
 *                                                 caller's go on fd 4 (none: no job), joins the
 *                                                 job's cgroups, and runs the rest in a child it
 *                                                 waits for
 *   [prlimit --cpu=.. --as=..]                    per-process rlimits, when asked
 *   [unshare --setuid=U --setgid=U]               the per-job uid (root: a host uid; rootless with
 *                                                 sub-ids: INNER_JOB_ID), no supplementary groups,
 *                                                 no capabilities left (see becomeArgs)
 *   bwrap --unshare-user --uid JU --gid JG --unshare-all [--share-net] --die-with-parent
 *         --new-session --cap-drop ALL --disable-userns [--seccomp 3]
 *         --ro-bind STAGE/root / --proc /proc --bind STAGE/i TMPFS|BIND... --dev-bind DEV...
 *         --chdir WORKDIR --clearenv --setenv ... -- COMMAND...
 *
 * bubblewrap pivot_roots into a fresh mount tree whose root is the jail (read-only, nosuid, nodev)
 * and detaches the old root, so no fd, path or '..' of the job leads outside its own tree.
 */

import { UsageError } from '../errors.js';
import { octalMode } from '../sys/index.js';
import type { HostTools } from './host-tools.js';
import type { PreparedRun } from './prepare.js';
import { INNER_JOB_ID } from './subids.js';
import type { RunLimits } from './types.js';

/**
 * Processes of the sandbox itself that the job's limits would count: the setup shell, bubblewrap
 * and bubblewrap's init are in the job's cgroup, and the last two run as the job's uid. `nproc`
 * counts the job's own processes (nproc=1: the job may not fork), so these are added to the
 * cgroup's pids limit and, without a cgroup, to RLIMIT_NPROC.
 */
export const SANDBOX_PROCESSES = { inCgroup: 3, asJobUid: 2 } as const;

/** Exit status of the setup step when it failed (its reason is in the error file). */
export const SETUP_FAILED = 125;

/** The fd bubblewrap reads the seccomp program from (the first after stdio). */
export const SECCOMP_FD = 3;
/** The fd the setup step reads the caller's "go" from; closed before anything else runs. */
export const GO_FD = 4;
/**
 * A pipe the caller holds open and never writes: end of file on it means the caller is gone
 * (SIGKILL included), and the setup step's watcher then kills the whole chain.
 */
export const WATCH_FD = 5;

const SETUP_SCRIPT = [
  'exec 8>&2 2>"$1"',
  'mount=$2 keyctl=$3 fstab=$4 n=$5',
  'shift 5',
  // The chain dies with its caller. This shell is the init of the chain's PID namespace; the
  // watcher, its first child (outside the job's cgroups), waits for end of file on the caller's
  // pipe and then kills every other process of the namespace, the job's namespaces below included
  // (kill -1 from inside a PID namespace spares only its init and the sender); the shell then
  // exits, and the kernel takes the rest. A caller that dies before the watcher reads finds it at
  // end of file at once. (The kernel's parent-death signal would need a process of its own at the
  // top, setpriv --pdeathsig: an exec on every job start, ~0.8 ms here.)
  `{ exec ${SECCOMP_FD}<&- ${GO_FD}<&-; read -r x <&${WATCH_FD}; kill -KILL -1; } 2>/dev/null &`,
  `exec ${WATCH_FD}<&-`,
  // Everything here runs while the caller still makes its last checks (the audit verdict, the rw
  // binds' ACLs) and the job's cgroups: none of it runs anything of the job, and all of it dies
  // with this namespace. One mount process for every bind and tmpfs of the job, in the fstab's
  // order, and a fresh session keyring (keyctl installs it in this shell, its parent), at once.
  '"$mount" -n -a -T "$fstab" & m=$!',
  '"$keyctl" new_session >/dev/null & k=$!',
  // End of file instead of "go": the caller refused the job (or died); the job never starts.
  `IFS= read -r go <&${GO_FD} && [ "$go" = go ] || exit 125`,
  `exec ${GO_FD}<&-`,
  // The job's cgroups exist by the go: this shell moves itself into each (the N arguments after
  // the fstab are their join files) by writing 0 (the writer) into it, while mount may still run.
  // The cgroup's join files say why that is cheap (v1's tasks skip the kernel's threadgroup
  // lock); the shell does it itself, as 0 must name it.
  'ok=0; while [ "$n" -gt 0 ]; do echo 0 >"$1" || ok=1; shift; n=$((n - 1)); done',
  'wait $m || ok=1; wait $k || ok=1',
  '[ $ok = 0 ] || exit 125',
  // No core dumps ever: a core_pattern pipe would hand the dump to a host program.
  'ulimit -c 0 || exit 125',
  // Run the rest as a child, not by exec: this shell is the init of the chain's PID namespace, and
  // its watcher must outlive the change to the job's uid (which also clears a parent-death signal
  // in the process that changes). The status is the child's, 128+N for a signal as bubblewrap
  // reports a job's. The child takes the caller's stderr in itself; this shell keeps the error
  // file as its own, so what it says of a child killed by a signal ("Killed") is not the job's
  // output.
  '(exec "$@" 2>&8 8>&-)',
  'exit $?',
].join('\n');

/** A path as fstab(5) spells it: blanks, newlines and backslashes octal-escaped. */
function fstabPath(p: string): string {
  return p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** Size of the staging tmpfs: it holds only empty mount points. */
const STAGE_SIZE = 65536;

/**
 * The fstab the setup step mounts from: a small tmpfs over the staging base (so the mount points
 * are made there, in the job's own mount namespace, and no host directory ever becomes one), the
 * jail and each bind source bound onto its staging point (made by mount: X-mount.mkdir; a file
 * bind's point is a host file), then each tmpfs. Read by `mount -a -T`, never by the system.
 */
export function fstabText(e: Pick<EngineInput, 'prep' | 'stage' | 'tmpfsOwner'>): string {
  const line = (src: string, dst: string, type: string, opts: string) =>
    `${fstabPath(src)} ${fstabPath(dst)} ${type} ${opts} 0 0\n`;
  return [
    line('tmpfs', e.stage.base, 'tmpfs', `size=${STAGE_SIZE},mode=0711,nosuid,nodev,noexec`),
    line(e.prep.root.dir, e.stage.root, 'none', 'bind,X-mount.mkdir'),
    ...e.prep.binds.map((b, i) =>
      line(b.source, e.stage.binds[i] as string, 'none', b.dir ? 'bind,X-mount.mkdir' : 'bind'),
    ),
    ...e.prep.tmpfs.map((t, i) =>
      line('tmpfs', e.stage.tmpfs[i] as string, 'tmpfs', `${tmpfsOptions(t, e.tmpfsOwner)},X-mount.mkdir`),
    ),
  ].join('');
}

const RLIMIT_FLAG: Record<'cpu' | 'as' | 'fsize' | 'nofile' | 'nproc', string> = {
  cpu: '--cpu',
  as: '--as',
  fsize: '--fsize',
  nofile: '--nofile',
  nproc: '--nproc',
};

export type Rlimits = Partial<Record<keyof typeof RLIMIT_FLAG, number>>;

/** prlimit's flags for the rlimits of each process (empty: no prlimit step). */
export function prlimitArgs(limits: Rlimits): string[] {
  const out: string[] = [];
  for (const key of Object.keys(RLIMIT_FLAG).sort() as (keyof typeof RLIMIT_FLAG)[]) {
    const v = limits[key];
    if (v !== undefined) out.push(`${RLIMIT_FLAG[key]}=${Math.ceil(v)}:${Math.ceil(v)}`);
  }
  return out;
}

/**
 * The least of each per-process limit the sandbox itself needs: prlimit sets them before the uid
 * step and bubblewrap, which live under them too (bubblewrap opens up to 7 descriptors while it
 * sets the sandbox up; a util-linux tool's loader maps about 3 MiB). Below these the job would
 * never start, and bubblewrap's own error would read as the job's status: such a limit is refused
 * instead.
 * Measured with bubblewrap 0.8 (nofile 7 fails, 8 works; as 1M fails, 4M works), with a margin.
 */
export const RLIMIT_FLOORS = { nofile: 10, as: 8 * 1024 ** 2 } as const;

/** Refuses per-process limits (as computed by rlimitsFor) below RLIMIT_FLOORS: exit 2, nothing run. */
export function checkRlimitFloors(rlimits: Rlimits, limits: RunLimits): void {
  for (const [key, floor] of Object.entries(RLIMIT_FLOORS) as [keyof typeof RLIMIT_FLOORS, number][]) {
    const v = rlimits[key];
    if (v === undefined || v >= floor) continue;
    const given =
      key === 'as' && limits.as === undefined ? `mem=${v} (RLIMIT_AS without a cgroup)` : `${key}=${v}`;
    throw new UsageError(
      'RUN_BAD_LIMIT',
      `--limit ${given} is below ${key === 'as' ? `${floor / 1024 ** 2}M` : floor}, what the sandbox itself needs before the job starts`,
      { hint: key === 'nofile' ? 'e.g. --limit nofile=16' : 'e.g. --limit as=64M' },
    );
  }
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
    if (limits.nproc !== undefined) out.nproc = limits.nproc + SANDBOX_PROCESSES.asJobUid;
  }
  return out;
}

export interface EngineInput {
  tools: HostTools;
  prep: PreparedRun;
  net: 'none' | 'host';
  /**
   * The uid (= gid) the engine becomes: root mode, the per-job host uid; rootless with sub-ids,
   * INNER_JOB_ID (which `subordinate` maps to the job's host ids). Null: the caller's own identity.
   */
  become: number | null;
  rootless: boolean;
  /** Rootless with sub-ids: the job's host uid and gid, mapped to INNER_JOB_ID in the chain's user namespace. */
  subordinate?: { uid: number; gid: number } | null;
  rlimits: Rlimits;
  /** The job cgroup's join files, which the setup step writes 0 into (none: no cgroup). */
  cgroupJoin: readonly string[];
  /**
   * Where the setup step stages the job's mounts, so bubblewrap (the job's uid) needs no access to
   * the paths they came from: `base`, a host directory it mounts a small tmpfs over (mode 0711);
   * under it `root` for the jail, one point per directory bind and one per tmpfs. A file bind's
   * point is a host file elsewhere (mount makes only directories).
   */
  stage: { base: string; root: string; binds: string[]; tmpfs: string[] };
  /** Owner (host ids, or the namespace's root when rootless) of the tmpfs roots. */
  tmpfsOwner: { uid: number; gid: number };
  errorFile: string;
  /** Where fstabText(...) was written for the setup step. */
  fstab: string;
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
  // Parents before children (a prefix sorts first): a bind inside a tmpfs is mounted after the
  // tmpfs. Code-unit order, not localeCompare, whose first call loads ICU's collator (ms of a start).
  mounts.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
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

/**
 * The step that becomes the job's uid: setgroups(0), setgid, setuid, then exec. util-linux
 * unshare with no namespace flag, because it reads the ids as numbers only: setpriv's --reuid
 * looks the text up as a user NAME first (getpwnam through NSS: nscd, LDAP, systemd-userdb), so a
 * directory entry named "2000065001" would hand the job that entry's uid, and every job start
 * would wait on the directory service (about 1 ms here with only files). Root's setuid clears the
 * permitted, effective and ambient sets; bubblewrap then sets no_new_privs and drops every set
 * (--cap-drop ALL) before it runs anything of the job.
 */
export function becomeArgs(tools: Pick<HostTools, 'unshare'>, id: number): string[] {
  return [tools.unshare, `--setuid=${id}`, `--setgid=${id}`, '--'];
}

export function engineArgv(e: EngineInput): string[] {
  const t = e.tools;
  const become = e.become !== null ? becomeArgs(t, e.become) : [];
  const sub = e.rootless ? (e.subordinate ?? null) : null;
  // Rootless forced by root: the per-job uid makes the user namespace, as a caller without root
  // would. Otherwise the identity changes after the mounts, right before bubblewrap.
  const becomeFirst = e.rootless && sub === null;
  return [
    ...(becomeFirst ? become : []),
    t.unshare,
    ...(e.rootless ? ['--user', '--map-root-user'] : []),
    // The caller's sub-id for this job as INNER_JOB_ID (unshare runs newuidmap/newgidmap for it).
    ...(sub ? [`--map-users=${sub.uid},${INNER_JOB_ID},1`, `--map-groups=${sub.gid},${INNER_JOB_ID},1`] : []),
    '--mount',
    '--propagation',
    'private',
    // A PID namespace of the chain's own, whose init is the setup shell: bubblewrap exits before
    // its init (the job's pid 1) is reaped, and orphans then go to the setup shell, whose exit
    // kills and reaps them all; unshare waits for it. Without it they would go to the host's
    // pid 1, which may never reap them.
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    t.sh,
    '-c',
    SETUP_SCRIPT,
    'jailsmith-setup',
    e.errorFile,
    t.mount,
    t.keyctl,
    e.fstab,
    String(e.cgroupJoin.length),
    ...e.cgroupJoin,
    ...(prlimitArgs(e.rlimits).length > 0 ? [t.prlimit, ...prlimitArgs(e.rlimits), '--'] : []),
    // Root made the mounts (or the caller, root of its namespace); bubblewrap runs as the job's uid.
    ...(becomeFirst ? [] : become),
    ...bwrapArgs(e),
  ];
}
