import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import type { ProbeReport } from '../../audit/probe.js';
import { isJailError } from '../../errors.js';
import {
  parseBind,
  parseEnv,
  parseLimits,
  parseSeconds,
  parseTmpfs,
  policyFromSpec,
  type RunPolicy,
  readPolicyRecord,
} from '../../policy/index.js';
import { jobCommand, policyRunOptions } from '../../run/policy-options.js';
import type { RunOptions, RunResult } from '../../run/types.js';
import { example } from '../example.js';
import { printJson } from '../io.js';
import { type RegistryArgs, registryOptions, withRegistryOptions } from '../registry-options.js';
import { action } from '../run-command.js';

interface RunArgs extends RegistryArgs {
  dir: string;
  command: string[];
  user?: string;
  bind: string[];
  net?: 'none' | 'host';
  limit: string[];
  timeout?: number;
  env: string[];
  workdir?: string;
  probe: boolean;
  allowUnsafe: boolean;
  seccomp?: boolean;
  rootless?: boolean;
  spec?: string;
  policy: boolean;
  entrypoint?: string;
  tmpfs: string[];
  uidRange?: string;
  cgroupParent?: string;
}

function builder(y: Argv): Argv<RunArgs> {
  return withRegistryOptions(y)
    .positional('dir', {
      type: 'string',
      describe: 'The jail directory, an OCI layout (LAYOUT[:TAG]) or an image reference (HOST/REPO[:TAG])',
      demandOption: true,
    })
    .positional('command', { type: 'string', array: true, describe: 'Command and arguments, after --' })
    .option('user', {
      type: 'string',
      describe: 'User name from the jail’s /etc/passwd, or a uid (default 65534)',
    })
    .option('bind', {
      type: 'string',
      array: true,
      default: [],
      describe: 'SRC:DST[:ro|rw], read-only by default',
    })
    .option('net', {
      choices: ['none', 'host'] as const,
      describe: 'none (the default): only loopback; host: the host’s network',
    })
    .option('limit', {
      type: 'string',
      array: true,
      default: [],
      describe:
        'cpu=S,mem=B,nproc=N,cores=C,as=B,fsize=B,nofile=N (K/M/G): mem, nproc and cores through the job’s cgroup',
    })
    .option('timeout', { type: 'number', describe: 'Wall-clock seconds; then the whole job is killed' })
    .option('env', { type: 'string', array: true, default: [], describe: 'K=V added to PATH, HOME and LANG' })
    .option('workdir', { type: 'string', describe: 'Directory in the jail to start in (default /)' })
    .option('probe', {
      type: 'boolean',
      default: false,
      describe: 'Print the runtime probe of the running job (stderr)',
    })
    .option('allow-unsafe', {
      type: 'boolean',
      default: false,
      describe: 'Run even when the audit finds critical problems',
    })
    .option('seccomp', {
      type: 'boolean',
      describe:
        'Install the default seccomp filter (mount, namespaces, keyrings, bpf, io_uring... refused); --no-seccomp runs without it',
    })
    .option('rootless', {
      type: 'boolean',
      describe:
        'Run in a user namespace mapping the job’s uid to yours, without root (the default when not root); root may force it',
    })
    .option('tmpfs', {
      type: 'string',
      array: true,
      default: [],
      describe: 'PATH[:SIZE][:exec]: a private tmpfs for the job at a jail directory (/tmp always is one)',
    })
    .option('uid-range', {
      type: 'string',
      describe:
        'FIRST-LAST host uids for jobs, one per concurrent job (default JAILSMITH_UID_RANGE, /etc/jailsmith/run.json, or 2000000000-2000065535; without root: inside your /etc/subuid range, by default all of it)',
    })
    .option('cgroup-parent', {
      type: 'string',
      describe: 'The cgroup jobs go under (default: the caller’s own)',
    })
    .option('spec', {
      type: 'string',
      describe:
        'Spec whose run: settings give the defaults (default: the policy DIR recorded when built or installed)',
    })
    .option('policy', {
      type: 'boolean',
      default: true,
      describe: '--no-policy: ignore the run policy DIR recorded (only the command line and defaults apply)',
    })
    .option('entrypoint', {
      type: 'string',
      describe: 'Replace the policy’s entrypoint (an empty string: none, so COMMAND runs as given)',
    })
    .example(
      ...example(
        '$0 run ./py --bind ./in:/in --bind ./out:/out:rw --timeout 60 -- python3 /in/job.py',
        'a Python job: its input read-only, a writable output, killed after a minute',
      ),
    )
    .epilog(
      'The job’s own output goes to stdout and stderr; with --json the result object is printed on stdout after it. ' +
        'The exit code is the job’s (128+N when signal N ended it); 2 means nothing ran. ' +
        'SIGINT, SIGTERM or SIGHUP to jailsmith end the job, clean up and exit 128+N.',
    ) as unknown as Argv<RunArgs>;
}

/**
 * Turns argv (and the spec's run: block, when --spec names one) into RunOptions; every malformed
 * value is a UsageError before anything runs. Flags given on the command line win over the spec.
 */
export async function runOptionsFrom(a: RunArgs & { '--'?: string[] }): Promise<RunOptions> {
  // What follows `--` comes from main.ts as args['--'], byte for byte: yargs never parsed it.
  const given = [...(a.command ?? []).map(String), ...(a['--'] ?? [])];
  // Every option is parsed before an image is fetched: a typo costs no download.
  const binds = a.bind.map(parseBind);
  const limits = parseLimits(a.limit);
  const env = parseEnv(a.env);
  const tmpfs = (a.tmpfs ?? []).map(parseTmpfs);
  // An OCI layout or a registry reference runs from its verified, cached tree (see src/ship/cache);
  // a jail directory needs none of that code loaded.
  const isJailDir =
    statSync(a.dir, { throwIfNoEntry: false })?.isDirectory() && !existsSync(path.join(a.dir, 'oci-layout'));
  const jail = isJailDir
    ? a.dir
    : (await (await import('../../ship/cache.js')).runImage(a.dir, registryOptions(a))).dir;
  let policy: RunPolicy | undefined;
  if (a.spec !== undefined) {
    const { loadSpec } = await import('../../spec/load.js');
    policy = policyFromSpec(await loadSpec(a.spec), a.spec);
  } else if (a.policy) {
    // What the jail recorded when it was built or installed (its spec's or package's run: block).
    policy = readPolicyRecord(jail);
  }
  if (a.entrypoint !== undefined)
    policy = { ...policy, entrypoint: a.entrypoint === '' ? [] : [a.entrypoint] };
  const over: Partial<RunOptions> & Pick<RunOptions, 'jail' | 'command'> = {
    jail,
    command: jobCommand(policy, given),
    binds,
    limits,
    env,
    tmpfs,
  };
  if (a.uidRange !== undefined) {
    const { parseUidRange } = await import('../../run/uid-pool.js');
    over.uidRange = parseUidRange(a.uidRange, '--uid-range');
  }
  if (a.cgroupParent !== undefined) over.cgroupParent = a.cgroupParent;
  if (a.net !== undefined) over.net = a.net;
  if (a.user !== undefined) over.user = a.user;
  if (a.timeout !== undefined) over.timeout = parseSeconds(a.timeout, '--timeout');
  if (a.workdir !== undefined) over.workdir = a.workdir;
  if (a.allowUnsafe) over.allowUnsafe = true;
  // No default in yargs, so that a spec's run.seccomp stays unless the flag is given.
  if (a.seccomp !== undefined) over.seccomp = a.seccomp;
  if (a.rootless !== undefined) over.rootless = a.rootless;
  return policyRunOptions(policy ?? {}, over);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <dir> [command..]',
  describe: 'Run a command in a jail: namespaces, an unprivileged uid, no network, limits',
  builder,
  handler: action<RunArgs>(async (args, io) => {
    const opts = await runOptionsFrom(args);
    // The probe and its reporters load only for --probe: a few ms of every other job's start.
    const [{ runJail }, probing] = await Promise.all([
      import('../../run/run-jail.js'),
      args.probe
        ? Promise.all([
            import('../../audit/probe.js'),
            import('../../audit/reporters/json.js'),
            import('../../audit/reporters/text.js'),
          ])
        : undefined,
    ]);
    let probe: ProbeReport | undefined;
    if (probing) {
      const [{ probeProcess }] = probing;
      // Taken from the host while the job runs; printed once it is over, after the job's output.
      opts.onStart = (pid) => {
        probe = probeProcess(pid);
      };
    }
    // SIGINT, SIGTERM or SIGHUP to jailsmith end the job and clean up (its work dir, cgroup and
    // uid) before jailsmith exits 128+N, as the signal would have; a second one kills at once.
    const stop = new AbortController();
    // The signal that stopped the run is the abort's reason.
    const onSignal = (s: NodeJS.Signals) => stop.abort(s);
    const stoppedCode = () => 128 + os.constants.signals[stop.signal.reason as NodeJS.Signals];
    for (const s of STOP_SIGNALS) process.once(s, onSignal);
    opts.signal = stop.signal;
    let result: RunResult;
    try {
      result = await runJail(opts);
    } catch (e) {
      // Stopped before the job started: nothing ran and nothing is left. Any other error is said.
      if (isJailError(e) && e.code === 'RUN_ABORTED') return stoppedCode();
      throw e;
    } finally {
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    }
    // Protections that could not be applied are said on stderr in every mode, -q and --json too.
    for (const n of result.notes) io.err(`jailsmith: missing protection ${n}`);
    if (args.json) {
      printJson(io, probing ? { ...result, probe: probe ? probing[1].toJson(probe) : null } : result);
    } else {
      if (probing) {
        const [{ PROBE_RULES }, , { renderText }] = probing;
        io.err(
          probe
            ? renderText(probe, { checks: PROBE_RULES })
            : 'jailsmith: the job ended before it could be probed',
        );
      }
      if (result.timedOut && !args.quiet) io.err(`jailsmith: job killed after --timeout ${args.timeout}s`);
      if (args.verbose > 0 && !args.quiet) io.err(`jailsmith: ${runSummary(result)}`);
    }
    return stop.signal.aborted ? stoppedCode() : result.exitCode;
  }),
};

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** -v: how the job went, after its own output (stderr, so the job's stdout stays clean). */
function runSummary(r: RunResult): string {
  const end = r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  const rss = r.maxRssBytes === null ? '' : `, peak RSS ${(r.maxRssBytes / 1024 / 1024).toFixed(1)} MiB`;
  const peak =
    r.peakMemoryBytes === null ? '' : `, job peak ${(r.peakMemoryBytes / 1024 / 1024).toFixed(1)} MiB`;
  const hit = r.limitsHit.length > 0 ? `, limits hit: ${r.limitsHit.join(', ')}` : '';
  const mode = r.rootless ? ', rootless (user namespace)' : `, host uid ${r.hostUid}`;
  const cg = r.cgroup === null ? ', no cgroup' : `, cgroup v${r.cgroup}`;
  return `${end} after ${r.wallSeconds.toFixed(2)}s${rss}${peak}${hit}, ${r.seccomp ? 'seccomp filter on' : 'no seccomp filter'}${cg}${mode}`;
}
