/**
 * A policy resolved against a jail the way `jailsmith run` resolves it (src/run/prepare.ts): the
 * user as numbers from the jail's passwd, the command found in the jail, the job's tmpfs list with
 * /tmp and its defaults, the jail's device nodes. The renderers turn this into other engines' forms.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { errnoCode, RunError } from '../errors.js';
import type { PolicyBind, RunLimits, RunPolicy } from '../policy/index.js';
import {
  checkWorkdir,
  DEFAULT_PATH,
  DEFAULT_UID,
  jailDevices,
  jailMountPoint,
  jobCommand,
  lookupUser,
  openJail,
  type PreparedTmpfs,
  resolveCommand,
  tmpfsMounts,
} from '../run/index.js';

export interface FleetDevice {
  /** In-jail path, e.g. /dev/null. */
  path: string;
  major: number;
  minor: number;
  mode: number;
}

export interface FleetJob {
  /** The jail directory (host path). */
  jail: string;
  uid: number;
  gid: number;
  argv: string[];
  env: Record<string, string>;
  workdir: string;
  tmpfs: PreparedTmpfs[];
  /** Sources are real host paths when the target needs them (resolveJob's `bindSources`). */
  binds: PolicyBind[];
  devices: FleetDevice[];
  limits: RunLimits;
  net: 'none' | 'host';
  timeout?: number;
  seccomp: boolean;
}

/** Linux's major/minor split of a dev_t (glibc's gnu_dev_major/minor, for values below 2^32). */
function devNumbers(rdev: number): { major: number; minor: number } {
  return { major: (rdev >>> 8) & 0xfff, minor: (rdev & 0xff) | ((rdev >>> 12) & 0xfff00) };
}

export interface ResolveOptions {
  /** The job's arguments after the policy's entrypoint (instead of its cmd). */
  command?: string[];
  /** Every bind needs an existing host source (a bundle); false: sources are the target's business. */
  bindSources: boolean;
}

export function resolveJob(dir: string, policy: RunPolicy, opts: ResolveOptions): FleetJob {
  const root = openJail(dir);
  const user = lookupUser(root, policy.user ?? DEFAULT_UID);
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: user.home, LANG: 'C.UTF-8', ...policy.env };
  const argv = jobCommand(policy, opts.command ?? []);
  const workdir = checkWorkdir(root, policy.workdir ?? '/');
  resolveCommand(root, argv[0] as string, env.PATH ?? '', workdir);
  const binds = (policy.binds ?? []).map((b): PolicyBind => {
    jailMountPoint(root, b.target, 'bind');
    if (!opts.bindSources) return { target: b.target, readOnly: b.readOnly };
    if (b.source === undefined) {
      throw new RunError('RUN_BIND_SOURCE', `the policy binds ${b.target} but gives no host source for it`, {
        hint: `--bind HOST:${b.target}${b.readOnly ? '' : ':rw'}`,
      });
    }
    let source: string;
    try {
      source = realpathSync(b.source);
      statSync(source);
    } catch (e) {
      throw new RunError('RUN_BIND_SOURCE', `bind source does not exist: ${errnoCode(e) ?? String(e)}`, {
        path: b.source,
      });
    }
    return { target: b.target, readOnly: b.readOnly, source };
  });
  const tmpfs = tmpfsMounts(root, policy.tmpfs);
  const devices = jailDevices(root).map((d) => {
    const st = lstatSync(root.host(d.target));
    return { path: d.target, ...devNumbers(st.rdev), mode: st.mode & 0o7777 };
  });
  return {
    jail: root.dir,
    uid: user.uid,
    gid: user.gid,
    argv,
    env,
    workdir,
    tmpfs,
    binds,
    devices,
    limits: { ...policy.limits },
    net: policy.net ?? 'none',
    ...(policy.timeout !== undefined ? { timeout: policy.timeout } : {}),
    seccomp: policy.seccomp ?? true,
  };
}
