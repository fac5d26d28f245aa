/**
 * A spec's `run:` block as defaults for a run; the command line overrides each field it gives.
 * Entrypoint and cmd follow the container convention: the job is entrypoint + (COMMAND, or cmd
 * when no COMMAND is given), so `run DIR --spec python.yaml -- job.py` runs python3 job.py.
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { JailSpec } from '../spec/types.js';
import { parseBind, parseLimits, parseSeconds, parseSize } from './parse.js';
import type { RunOptions } from './types.js';

export interface SpecRunDefaults {
  options: Partial<RunOptions>;
  entrypoint: string[];
  cmd: string[];
}

export function specRunDefaults(spec: JailSpec, specFile: string): SpecRunDefaults {
  const run = spec.run;
  const options: Partial<RunOptions> = { auditAllow: [...spec.audit.allow] };
  if (run.user !== undefined) options.user = run.user;
  if (run.env) options.env = { ...run.env };
  if (run.workdir !== undefined) options.workdir = run.workdir;
  if (run.net !== undefined) options.net = run.net;
  if (run.seccomp !== undefined) options.seccomp = run.seccomp;
  if (run.timeout !== undefined && run.timeout > 0)
    options.timeout = parseSeconds(run.timeout, 'run.timeout');
  if (run.limits) {
    options.limits = parseLimits(
      Object.entries(run.limits).map(([k, v]) => `${k}=${String(v)}`),
    );
  }
  if (run.binds) {
    // Relative host paths in a spec are relative to the spec file, not to wherever run is started.
    const base = path.dirname(path.resolve(specFile));
    options.binds = run.binds.map((b) => {
      const bind = parseBind(b);
      return { ...bind, source: path.resolve(base, bind.source) };
    });
  }
  if (run.tmpfs) {
    options.tmpfs = run.tmpfs.map((t) => ({
      path: t.path,
      ...(t.size !== undefined ? { size: parseSize(String(t.size), `run.tmpfs ${t.path} size`) } : {}),
      ...(t.mode !== undefined ? { mode: t.mode } : {}),
      ...(t.exec !== undefined ? { exec: t.exec } : {}),
    }));
  }
  return { options, entrypoint: run.entrypoint ?? [], cmd: run.cmd ?? [] };
}

/** The job's argv from the spec's entrypoint/cmd and the command line's COMMAND. */
export function jobCommand(d: SpecRunDefaults | undefined, command: string[]): string[] {
  const argv = d ? [...d.entrypoint, ...(command.length > 0 ? command : d.cmd)] : command;
  if (argv.length === 0) {
    throw new UsageError('USAGE', 'no command given', {
      hint: 'jailsmith run DIR [options] -- COMMAND ARG...',
    });
  }
  return argv;
}
