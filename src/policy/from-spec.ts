/** A spec's `run:` block (and audit.allow) as a RunPolicy; every value parsed, so bad input fails here. */
import path from 'node:path';
import type { JailSpec } from '../spec/index.js';
import { parseBind, parseLimits, parseSeconds, parseSize } from './parse.js';
import type { RunPolicy } from './types.js';

export function policyFromSpec(spec: JailSpec, specFile: string): RunPolicy {
  const run = spec.run;
  const p: RunPolicy = {};
  if (spec.audit.allow.length > 0) p.auditAllow = [...spec.audit.allow];
  if (run.user !== undefined) p.user = run.user;
  if (run.env) p.env = { ...run.env };
  if (run.workdir !== undefined) p.workdir = run.workdir;
  if (run.entrypoint) p.entrypoint = [...run.entrypoint];
  if (run.cmd) p.cmd = [...run.cmd];
  if (run.net !== undefined) p.net = run.net;
  if (run.seccomp !== undefined) p.seccomp = run.seccomp;
  if (run.timeout !== undefined && run.timeout > 0) p.timeout = parseSeconds(run.timeout, 'run.timeout');
  if (run.limits) p.limits = parseLimits(Object.entries(run.limits).map(([k, v]) => `${k}=${String(v)}`));
  if (run.binds) {
    // Relative host paths in a spec are relative to the spec file, not to wherever run is started.
    const base = path.dirname(path.resolve(specFile));
    p.binds = run.binds.map((b) => {
      const bind = parseBind(b);
      return { target: bind.target, readOnly: bind.readOnly, source: path.resolve(base, bind.source) };
    });
  }
  if (run.tmpfs) {
    p.tmpfs = run.tmpfs.map((t) => ({
      path: t.path,
      ...(t.size !== undefined ? { size: parseSize(String(t.size), `run.tmpfs ${t.path} size`) } : {}),
      ...(t.mode !== undefined ? { mode: t.mode } : {}),
      ...(t.exec !== undefined ? { exec: t.exec } : {}),
    }));
  }
  return p;
}
