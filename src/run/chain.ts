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

export function namespaceArgv(tools: HostTools, net: 'none' | 'host', inner: string[]): string[] {
  return [
    // Should the caller die (even by SIGKILL), unshare gets SIGKILL, and --kill-child takes the
    // namespace's init and so the whole job with it: no job outlives the process that started it.
    tools.setpriv,
    '--pdeathsig',
    'KILL',
    tools.unshare,
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
}

export function jobChain(tools: HostTools, c: ChainInput): string[] {
  const rl = prlimitArgs(c.limits);
  return [
    ...(tools.time && c.timeFile
      ? [tools.time, '-f', '%x %M', '-o', c.timeFile, tools.sh, '-c', 'unset PWD; exec "$@" 3>&-', 'sh']
      : []),
    tools.prlimit,
    ...rl,
    '--',
    tools.setpriv,
    '--no-new-privs',
    '--clear-groups',
    '--inh-caps=-all',
    `--bounding-set=-all,${[...KEPT_BOUNDING, ...(tools.enter ? ['setpcap'] : [])].map((c) => `+${c}`).join(',')}`,
    tools.setsid,
    '--wait',
    ...(tools.enter
      ? [tools.enter, ...(c.seccomp ? [] : ['--no-seccomp']), c.jail, c.workdir, String(c.uid), String(c.gid)]
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
