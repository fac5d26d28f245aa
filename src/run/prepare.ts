/**
 * Everything a run needs decided before a process starts, so bad input (not a jail, unknown user,
 * missing bind source or command) ends with one RunError and nothing run.
 */
import { lstatSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { errnoCode, RunError } from '../errors.js';
import type { SourceRoot } from '../resolve/source-root.js';
import type { InnerBind } from './inner-config.js';
import { bindTarget, checkWorkdir, lookupUser, openJail, resolveCommand } from './jail-dir.js';
import type { RunOptions } from './types.js';

export const DEFAULT_UID = 65534;
export const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface PreparedRun {
  root: SourceRoot;
  uid: number;
  gid: number;
  env: Record<string, string>;
  command: string[];
  workdir: string;
  binds: InnerBind[];
}

function bindSource(source: string): { path: string; dir: boolean } {
  try {
    const real = realpathSync(source);
    return { path: real, dir: statSync(real).isDirectory() };
  } catch (e) {
    throw new RunError('RUN_BIND_SOURCE', `bind source does not exist: ${errnoCode(e) ?? String(e)}`, {
      path: source,
    });
  }
}

/**
 * /proc must be a real directory of the jail; created (root-owned 0555) when the jail has none,
 * unless `create` is false (a rootless run cannot write into the jail).
 */
export function ensureProcDir(root: SourceRoot, create = true): void {
  const proc = root.host('/proc');
  try {
    if (!lstatSync(proc).isDirectory())
      throw new RunError('RUN_BAD_PROC', 'the jail’s /proc is not a directory', { path: proc });
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
    if (!create) {
      throw new RunError(
        'RUN_NO_PROC',
        'the jail has no /proc directory, and a rootless run cannot make one',
        {
          path: proc,
          hint: 'add /proc to the spec’s dirs: and build again, or as root `mkdir -m 555 JAIL/proc`',
        },
      );
    }
    mkdirSync(proc, { mode: 0o555 });
  }
}

export function prepareRun(opts: RunOptions): PreparedRun {
  if (opts.command.length === 0 || opts.command[0] === '') {
    throw new RunError('RUN_NO_COMMAND', 'no command given', { hint: 'jailsmith run DIR -- COMMAND ARG...' });
  }
  const root = openJail(opts.jail);
  const user = lookupUser(root, opts.user ?? DEFAULT_UID);
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOME: user.home, LANG: 'C.UTF-8', ...opts.env };
  const command = [...opts.command];
  const workdir = checkWorkdir(root, opts.workdir ?? '/');
  resolveCommand(root, command[0] as string, env.PATH ?? '', workdir);
  const binds = (opts.binds ?? []).map((b): InnerBind => {
    const src = bindSource(b.source);
    const dst = bindTarget(root, b.target);
    if (src.dir !== dst.dir) {
      throw new RunError(
        'RUN_BIND_TYPE',
        `bind ${b.source} → ${b.target}: one is a directory, the other is not`,
        {
          path: b.source,
        },
      );
    }
    return { source: src.path, target: dst.host, dir: dst.dir, readOnly: b.readOnly };
  });
  return { root, uid: user.uid, gid: user.gid, env, command, workdir, binds };
}
