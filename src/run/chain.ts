/**
 * The argument vectors of a run, built as data (no shell strings) so they can be tested and shown.
 *
 * outer:  setpriv --pdeathsig KILL
 *           unshare --mount --uts --ipc --pid [--net] --fork --kill-child --propagation private
 *           -- node inner.js CONFIG            (inner = PID 1 of the job's namespaces, see inner.ts)
 * chain:  [time -o FILE sh -c 'unset PWD; exec "$@" 3>&-']
 *                                                 rusage of the job; sh only closes time's fd 3
 *                                                 (and drops the PWD it would export: a host path)
 *           [prlimit --cpu=.. --as=..]            rlimits, inherited by everything below
 *           setpriv --no-new-privs --clear-groups --inh-caps=-all --bounding-set=-all,+5
 *           setsid --wait                         no controlling terminal (TIOCSTI)
 *           jailsmith-enter [--no-seccomp] JAIL DIR U G -- COMMAND...
 *
 * The chroot and the uid drop must be done by a host binary that then execs the job from inside
 * the jail, so nothing of ours runs after it. jailsmith-enter (src/run/enter.c) is that binary:
 * it chroots, enters DIR (dac_read_search: a 0700 home), empties the bounding set (setpcap), drops
 * to U/G, clears every capability set and, last, installs the seccomp filter of
 * src/run/seccomp.h before exec. setpriv keeps just those five capabilities for it. The filter
 * comes after our own steps because it refuses chroot; a job that needs what it refuses (mount,
 * unshare, keyctl, io_uring...) runs with --no-seccomp.
 *
 * Without a C compiler at build time there is no jailsmith-enter, and util-linux
 * `unshare --root JAIL --wd DIR --setgid G --setuid U` takes its place. It cannot empty the
 * bounding set after itself, so sys_chroot, setuid, setgid and dac_read_search stay there: with
 * the permitted, effective and ambient sets emptied by setuid(U != 0) and NO_NEW_PRIVS set, no
 * later execve can gain them back (audit's probe rates them info). Nor can it install a seccomp
 * filter: such a job runs unfiltered and its result says `seccomp: false`. Either way the chroot
 * keeps the job from creating user namespaces (EPERM when chrooted).
 *
 * Rootless (src/run/rootless.ts): the outer unshare also makes a user namespace mapping the job's
 * uid/gid (one id each) to the host identity, and keeps the namespace's capabilities as ambient
 * ones (--keep-caps): inside, that identity is not uid 0, so without them every exec would lose
 * them. The chain hands the five capabilities on as ambient ones down to jailsmith-enter --rootless,
 * whose capset then empties every set, ambient included. setgroups is denied in such a namespace,
 * so setpriv does not --clear-groups there, and enter accepts that one EPERM. Root running it
 * rootless first becomes the job's uid/gid (and no groups), so the job holds no host root.
 */
import type { HostTools } from './host-tools.js';
import type { RunLimits } from './types.js';

/** What the last step needs in the bounding set; jailsmith-enter also needs setpcap to empty it. */
export const KEPT_BOUNDING = ['sys_chroot', 'setuid', 'setgid', 'dac_read_search'] as const;

const RLIMIT_FLAG: Record<keyof RunLimits, string> = {
  cpu: '--cpu',
  mem: '--as',
  nproc: '--nproc',
  fsize: '--fsize',
  nofile: '--nofile',
};

/** The user namespace of a rootless run: the job's ids inside, the host identity they stand for. */
export interface UserNs {
  uid: number;
  gid: number;
  /** Set when the caller is root: setpriv becomes this uid/gid (no groups) before unshare. */
  becomeUid: number | null;
  becomeGid: number | null;
}

export function namespaceArgv(
  tools: HostTools,
  net: 'none' | 'host',
  inner: string[],
  userns: UserNs | null = null,
): string[] {
  const become =
    userns && userns.becomeUid !== null && userns.becomeGid !== null
      ? [
          tools.setpriv,
          `--reuid=${userns.becomeUid}`,
          `--regid=${userns.becomeGid}`,
          '--clear-groups',
          '--inh-caps=-all',
          '--',
        ]
      : [];
  return [
    // The identity change comes first: a credential change would clear the parent-death signal.
    ...become,
    // Should the caller die (even by SIGKILL), unshare gets SIGKILL, and --kill-child takes the
    // namespace's init and so the whole job with it: no job outlives the process that started it.
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    tools.unshare,
    ...(userns ? ['--user', `--map-user=${userns.uid}`, `--map-group=${userns.gid}`, '--keep-caps'] : []),
    '--mount',
    '--uts',
    '--ipc',
    '--pid',
    ...(net === 'none' ? ['--net'] : []),
    '--fork',
    '--kill-child',
    '--propagation',
    'private',
    '--',
    ...inner,
  ];
}

/** The asked limits, plus no core dumps ever: a core_pattern pipe would hand the dump to a host program. */
export function prlimitArgs(limits: RunLimits): string[] {
  const out: string[] = ['--core=0:0'];
  for (const key of Object.keys(RLIMIT_FLAG).sort() as (keyof RunLimits)[]) {
    const v = limits[key];
    if (v !== undefined) out.push(`${RLIMIT_FLAG[key]}=${v}:${v}`);
  }
  return out;
}

export interface ChainInput {
  jail: string;
  workdir: string;
  uid: number;
  gid: number;
  limits: RunLimits;
  command: string[];
  /** Where GNU time writes "%x %M"; null runs without it. */
  timeFile: string | null;
  /** jailsmith-enter installs its seccomp filter (the fallback has none to install). */
  seccomp: boolean;
  /** In a user namespace (see the header): ambient capabilities, no setgroups. */
  rootless?: boolean;
}

export function jobChain(tools: HostTools, c: ChainInput): string[] {
  const rl = prlimitArgs(c.limits);
  const kept = [...KEPT_BOUNDING, ...(tools.enter ? ['setpcap'] : [])].map((c) => `+${c}`).join(',');
  const privs = c.rootless
    ? ['--no-new-privs', `--inh-caps=-all,${kept}`, `--ambient-caps=-all,${kept}`]
    : ['--no-new-privs', '--clear-groups', '--inh-caps=-all'];
  return [
    ...(tools.time && c.timeFile
      ? [tools.time, '-f', '%x %M', '-o', c.timeFile, tools.sh, '-c', 'unset PWD; exec "$@" 3>&-', 'sh']
      : []),
    tools.prlimit,
    ...rl,
    '--',
    tools.setpriv,
    ...privs,
    `--bounding-set=-all,${kept}`,
    tools.setsid,
    '--wait',
    ...(tools.enter
      ? [
          tools.enter,
          ...(c.rootless ? ['--rootless'] : []),
          ...(c.seccomp ? [] : ['--no-seccomp']),
          c.jail,
          c.workdir,
          String(c.uid),
          String(c.gid),
        ]
      : [
          tools.unshare,
          '--root',
          c.jail,
          '--wd',
          c.workdir,
          '--setgid',
          String(c.gid),
          '--setuid',
          String(c.uid),
        ]),
    '--',
    ...c.command,
  ];
}
