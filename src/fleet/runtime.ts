/**
 * The OCI runtime that will run a bundle, asked what it supports (`runc features`, runc ≥ 1.1):
 * a config using a namespace, mount option or seccomp feature the runtime lacks is refused before
 * anything is written, rather than left to fail, or be ignored, where the bundle runs.
 */
import { execFileSync } from 'node:child_process';
import { UsageError } from '../errors.js';
import { findHostTool } from '../sys/index.js';

export interface RuntimeFeatures {
  path: string;
  version: string | null;
  namespaces: string[];
  mountOptions: string[];
  seccomp: { enabled: boolean; actions: string[]; operators: string[]; archs: string[] } | null;
}

/** A name is looked up in the system directories; a path is taken as it is. */
export function findRuntime(name: string): string {
  const found = findHostTool(name);
  if (found) return found;
  throw new UsageError(
    'FLEET_NO_RUNTIME',
    `${name} is not installed: the bundle is checked against the runtime that runs it`,
    {
      hint: 'apt-get install runc, or --runtime PATH (crun, youki), or --no-runtime-check',
    },
  );
}

export function runtimeFeatures(name: string): RuntimeFeatures {
  const path = findRuntime(name);
  let f: {
    mountOptions?: string[];
    linux?: { namespaces?: string[]; seccomp?: RuntimeFeatures['seccomp'] };
    annotations?: Record<string, string>;
  };
  try {
    f = JSON.parse(execFileSync(path, ['features'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (e) {
    throw new UsageError(
      'FLEET_RUNTIME_FEATURES',
      `${path} features failed: ${(e as Error).message.split('\n')[0]}`,
      {
        path,
        hint: 'runc 1.1 or later answers `features`; or --no-runtime-check',
      },
    );
  }
  return {
    path,
    version: f.annotations?.['org.opencontainers.runc.version'] ?? null,
    namespaces: f.linux?.namespaces ?? [],
    mountOptions: f.mountOptions ?? [],
    seccomp: f.linux?.seccomp ?? null,
  };
}

interface ConfigShape {
  mounts: { destination: string; options: string[] }[];
  linux: {
    namespaces: { type: string }[];
    seccomp?: { architectures: string[]; syscalls: { action: string; args?: { op: string }[] }[] };
  };
}

/** Each feature the config uses that the runtime lacks, as an error naming it. */
export function checkFeatures(config: unknown, f: RuntimeFeatures): void {
  const c = config as ConfigShape;
  const missing = (what: string) =>
    new UsageError('FLEET_RUNTIME_CANNOT', `${f.path} cannot express ${what}`, {
      path: f.path,
      hint: 'use a newer runtime (--runtime PATH)',
    });
  for (const ns of c.linux.namespaces) {
    if (!f.namespaces.includes(ns.type)) throw missing(`the ${ns.type} namespace`);
  }
  for (const m of c.mounts) {
    for (const o of m.options) {
      if (!o.includes('=') && !f.mountOptions.includes(o))
        throw missing(`mount option ${o} (${m.destination})`);
    }
  }
  const s = c.linux.seccomp;
  if (!s) return;
  if (!f.seccomp?.enabled) throw missing('a seccomp filter (built without libseccomp)');
  for (const a of s.architectures)
    if (!f.seccomp.archs.includes(a)) throw missing(`seccomp architecture ${a}`);
  for (const rule of s.syscalls) {
    if (!f.seccomp.actions.includes(rule.action)) throw missing(`seccomp action ${rule.action}`);
    for (const arg of rule.args ?? []) {
      if (!f.seccomp.operators.includes(arg.op)) throw missing(`seccomp operator ${arg.op}`);
    }
  }
}
