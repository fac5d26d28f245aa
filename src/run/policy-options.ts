/** A RunPolicy, with the command line's overrides, as the options of one run (run consumes policy: the arrow goes run → policy). */
import { UsageError } from '../errors.js';
import { mergePolicy, type RunPolicy } from '../policy/index.js';
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

/** Keys of a policy that a run's options can override, as one policy (undefined keys left out). */
function overridesAsPolicy(over: Partial<RunOptions>): RunPolicy {
  const p: RunPolicy = {};
  if (over.user !== undefined) p.user = over.user;
  if (over.workdir !== undefined) p.workdir = over.workdir;
  if (over.net !== undefined) p.net = over.net;
  if (over.timeout !== undefined) p.timeout = over.timeout;
  if (over.seccomp !== undefined) p.seccomp = over.seccomp;
  if (over.auditAllow !== undefined) p.auditAllow = over.auditAllow;
  if (over.limits !== undefined) p.limits = over.limits;
  if (over.env !== undefined) p.env = over.env;
  if (over.binds !== undefined) p.binds = over.binds;
  if (over.tmpfs !== undefined) p.tmpfs = over.tmpfs;
  return p;
}

/**
 * The policy's settings as run options, merged with `over` as mergePolicy merges (the command
 * line wins). Binds need their host sources here: a shipped policy's bind without one is an
 * error naming it.
 */
export function policyRunOptions(
  policy: RunPolicy,
  over: Partial<RunOptions> & Pick<RunOptions, 'jail' | 'command'>,
): RunOptions {
  const merged = mergePolicy(policy, overridesAsPolicy(over));
  const binds = (merged.binds ?? []).map((b) => {
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
  const { entrypoint: _e, cmd: _c, binds: _b, ...settings } = merged;
  return {
    ...over,
    ...settings,
    limits: merged.limits ?? {},
    env: merged.env ?? {},
    binds,
    tmpfs: merged.tmpfs ?? [],
  };
}
