/**
 * The options `oci-bundle` and `k8s` share: where the policy comes from, the command line's
 * overrides on it (the same flags and parsers as `run`), and the downgrades the caller accepts.
 */
import type { Argv } from 'yargs';
import { type FleetTarget, GAPS } from '../fleet/downgrade.js';
import { parseBind, parseEnv, parseLimits, parseSeconds, parseTmpfs } from '../policy/parse.js';
import type { RunPolicy } from '../policy/types.js';

export interface FleetArgs {
  spec?: string;
  user?: string;
  limit: string[];
  timeout?: number;
  net?: 'none' | 'host';
  env: string[];
  workdir?: string;
  tmpfs: string[];
  seccomp?: boolean;
  downgrade: string[];
  command?: string[];
  '--'?: string[];
}

export function fleetOptions<T>(y: Argv<T>, target: FleetTarget): Argv<T & FleetArgs> {
  const gaps = Object.entries(GAPS[target])
    .map(([k, v]) => `${k} (${v})`)
    .join('; ');
  return y
    .option('spec', {
      type: 'string',
      describe: 'Spec whose run: block is the policy (default: what SRC carries)',
    })
    .option('user', { type: 'string', describe: 'User name from the jail’s /etc/passwd, or a uid' })
    .option('limit', {
      type: 'string',
      array: true,
      default: [],
      describe: 'cpu=S,mem=B,nproc=N,cores=C,as=B,fsize=B,nofile=N (K/M/G), as for run',
    })
    .option('timeout', { type: 'number', describe: 'Wall-clock seconds' })
    .option('net', { choices: ['none', 'host'] as const, describe: 'none (the default): no network' })
    .option('env', { type: 'string', array: true, default: [], describe: 'K=V for the job' })
    .option('workdir', { type: 'string', describe: 'Directory in the jail to start in' })
    .option('tmpfs', {
      type: 'string',
      array: true,
      default: [],
      describe: 'PATH[:SIZE][:exec]: a private writable place (/tmp always is one)',
    })
    .option('seccomp', { type: 'boolean', describe: 'The default seccomp filter (--no-seccomp: none)' })
    .option('downgrade', {
      type: 'string',
      array: true,
      default: [],
      describe: `Accept what the target cannot express, recorded in the output: ${gaps}`,
    }) as unknown as Argv<T & FleetArgs>;
}

/** The policy's overrides from the flags; every malformed value is a UsageError before any I/O. */
export function fleetOverrides(a: FleetArgs, binds: string[] = []): RunPolicy {
  const over: RunPolicy = {};
  if (a.user !== undefined) over.user = a.user;
  if (a.limit.length > 0) over.limits = parseLimits(a.limit);
  if (a.timeout !== undefined) over.timeout = parseSeconds(a.timeout, '--timeout');
  if (a.net !== undefined) over.net = a.net;
  if (a.env.length > 0) over.env = parseEnv(a.env);
  if (a.workdir !== undefined) over.workdir = a.workdir;
  if (a.tmpfs.length > 0) over.tmpfs = a.tmpfs.map(parseTmpfs);
  if (a.seccomp !== undefined) over.seccomp = a.seccomp;
  if (binds.length > 0) over.binds = binds.map(parseBind);
  return over;
}

/** The job's arguments after the policy's entrypoint: COMMAND, or after `--`, byte for byte. */
export function fleetCommand(a: FleetArgs): string[] | undefined {
  const given = [...(a.command ?? []).map(String), ...(a['--'] ?? [])];
  return given.length > 0 ? given : undefined;
}

/** The policy --spec names, if any. */
export async function specPolicy(spec: string | undefined): Promise<RunPolicy | undefined> {
  if (spec === undefined) return undefined;
  const [{ loadSpec }, { policyFromSpec }] = await Promise.all([
    import('../spec/load.js'),
    import('../policy/from-spec.js'),
  ]);
  return policyFromSpec(await loadSpec(spec), spec);
}
