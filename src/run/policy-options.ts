/** A RunPolicy, with the command line's overrides, as the options of one run (run consumes policy: the arrow goes run → policy). */
import { UsageError } from '../errors.js';
import type { RunPolicy } from '../policy/index.js';
import type { RunOptions } from './types.js';

/** The job's argv: entrypoint + (COMMAND, or cmd when no COMMAND is given). */
export function jobCommand(policy: RunPolicy | undefined, command: string[]): string[] {
  const argv = policy
    ? [...(policy.entrypoint ?? []), ...(command.length > 0 ? command : (policy.cmd ?? []))]
    : command;
  if (argv.length === 0) {
    throw new UsageError('USAGE', 'no command given', {
      hint: 'jailsmith run DIR [options] -- COMMAND ARG...',
    });
  }
  return argv;
}

/**
 * The policy's settings as run options (binds need their host sources here: a shipped policy's
 * bind without one is an error naming it). Options given in `over` win; limits, env, binds and
 * tmpfs are merged, the command line's last.
 */
export function policyRunOptions(
  policy: RunPolicy,
  over: Partial<RunOptions> & Pick<RunOptions, 'jail' | 'command'>,
): RunOptions {
  const binds = (policy.binds ?? []).map((b) => {
    if (b.source === undefined) {
      throw new UsageError(
        'RUN_BIND_SOURCE',
        `the policy binds ${b.target} but gives no host source for it`,
        {
          hint: `--bind HOST:${b.target}${b.readOnly ? '' : ':rw'}`,
        },
      );
    }
    return { source: b.source, target: b.target, readOnly: b.readOnly };
  });
  const out: RunOptions = {
    ...(policy.user !== undefined ? { user: policy.user } : {}),
    ...(policy.workdir !== undefined ? { workdir: policy.workdir } : {}),
    ...(policy.net !== undefined ? { net: policy.net } : {}),
    ...(policy.timeout !== undefined ? { timeout: policy.timeout } : {}),
    ...(policy.seccomp !== undefined ? { seccomp: policy.seccomp } : {}),
    ...(policy.auditAllow ? { auditAllow: [...policy.auditAllow] } : {}),
    ...over,
    limits: { ...policy.limits, ...over.limits },
    env: { ...policy.env, ...over.env },
    binds: [...binds.filter((b) => !over.binds?.some((o) => o.target === b.target)), ...(over.binds ?? [])],
    tmpfs: [...(policy.tmpfs ?? []), ...(over.tmpfs ?? [])],
  };
  return out;
}
