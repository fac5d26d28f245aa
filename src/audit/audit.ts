import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { AuditError, errnoCode } from '../errors.js';
import type { Resolver } from '../resolve/index.js';
import { isUnder, type MountInfo, mountOf, readMountinfo } from '../sys/index.js';
import type { AllowRule } from './allow.js';
import { isJailLocal } from './checks/mounts-util.js';
import { buildContext } from './context.js';
import { capsCanApply, readFileCaps } from './fcaps.js';
import { finishFileCaps, startFileCaps } from './fcaps-early.js';
import { startCapsReader } from './fcaps-stream.js';
import { walkWithFind } from './find-walk.js';
import {
  type AuditReport,
  type AuditWarning,
  type Check,
  type FileCap,
  type Finding,
  SEVERITIES,
  severityRank,
} from './types.js';
import { walk } from './walker.js';

export interface AuditOptions {
  /** `ID` or `ID:GLOB` entries (command line and the spec's audit.allow). */
  allow?: readonly string[];
  onProgress?: (entries: number, dir: string) => void;
  /** Which checks to run (default: all). */
  checks?: readonly Check[];
  /** Resolver factory for missing-library (default: src/resolve's createResolver rooted at the jail). */
  createResolver?: (root: string) => Promise<Resolver | undefined>;
}

/** The resolver rooted at the jail: pure ELF parsing inside it, nothing executed or loaded. */
async function defaultResolver(root: string): Promise<Resolver | undefined> {
  const { createResolver } = await import('../resolve/index.js');
  // hwcaps 'baseline' keeps the answer independent of this host's CPU.
  return createResolver({ root, hwcaps: 'baseline' });
}

function openJail(dir: string): { given: string; real: string } {
  const given = path.resolve(dir);
  let real: string;
  try {
    real = realpathSync(given);
  } catch (e) {
    throw new AuditError('AUDIT_NO_JAIL', `jail directory does not exist (${errnoCode(e) ?? e})`, {
      path: given,
    });
  }
  if (!lstatSync(real).isDirectory()) {
    throw new AuditError('AUDIT_NOT_DIR', 'jail is not a directory', { path: given });
  }
  return { given, real };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/** Audits a jail directory from the host. Never executes, dlopens or reads NSS config from it. */
export async function auditJail(dir: string, opts: AuditOptions = {}): Promise<AuditReport> {
  const { given, real } = openJail(dir);
  const mounts = readMountinfo();
  const mountsUnder = mounts.filter((m) => m.mountPoint !== real && isUnder(m.mountPoint, real));
  const jailMount = mountOf(mounts, real);
  const descend = new Set(mountsUnder.filter((m) => isJailLocal(m, mounts, real)));
  // File capabilities: read by perl from the names find prints (fcaps-stream.ts), else getfattr
  // walks the jail in a process of its own while we walk it here (fcaps-early.ts), else after.
  const stream = startCapsReader(real);
  const early = stream ? undefined : startFileCaps(real, mountsUnder, (m) => descend.has(m));
  const walkOpts = {
    descend: (m: MountInfo) => descend.has(m),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  const jailNosuid = jailMount?.options.includes('nosuid') ?? false;
  // find walks in a process of its own while we parse (find-walk.ts); the walker when it cannot.
  // It starts before the checks and the resolver load: their modules load while find walks.
  const abort = new AbortController();
  const walking = walkWithFind(real, mountsUnder, jailNosuid, {
    ...walkOpts,
    ...(stream ? { files: stream } : {}),
    signal: abort.signal,
  });
  let CHECKS: readonly Check[];
  // The allow rules' module (picomatch) loads only when there are rules.
  let allow: typeof import('./allow.js') | undefined;
  let rules: AllowRule[] = [];
  try {
    ({ CHECKS } = await import('./registry.js'));
    if (opts.allow?.length) {
      allow = await import('./allow.js');
      const ids = CHECKS.map((c) => c.id);
      rules = opts.allow.map((a) => (allow as typeof import('./allow.js')).parseAllow(a, ids));
    }
  } catch (e) {
    abort.abort();
    stream?.abandon();
    await walking.catch(() => undefined);
    throw e;
  }
  const checks = opts.checks ?? CHECKS;
  const walked = (await walking) ?? walk(real, mountsUnder, jailNosuid, walkOpts);
  const warnings: AuditWarning[] = [...walked.warnings];
  const fileCaps = new Map<string, FileCap>();
  const make = opts.createResolver ?? defaultResolver;
  const ctx = buildContext({
    jail: real,
    jailGiven: given,
    walk: walked,
    mounts,
    mountsUnder,
    jailMount,
    fileCaps,
    warnings,
    makeResolver: () => make(real),
  });
  const lookup = (p: string) => ctx.byPath.get(p);
  const fc =
    (await stream?.finish(lookup)) ??
    (early ? await finishFileCaps(early, real, lookup) : await readFileCaps(walked.entries, real, lookup));
  // The getfattr readers read every file: keep only what capsCanApply lets the stream read.
  for (const [p, cap] of fc.caps) {
    const e = lookup(p);
    if (e && capsCanApply(e.mode, e.uid)) fileCaps.set(p, cap);
  }
  if (fc.error) warnings.push({ path: '/', message: `file capabilities not checked: ${fc.error}` });
  const all: Finding[] = [];
  for (const check of checks) all.push(...(await check.run(ctx)));
  const { kept, silenced } = allow ? allow.applyAllow(all, rules) : { kept: all, silenced: 0 };
  kept.sort(compareFindings);
  return { jail: given, findings: kept, summary: summarize(kept, silenced, walked.entries.length), warnings };
}

export function summarize(
  findings: readonly Finding[],
  silenced: number,
  entries: number,
): AuditReport['summary'] {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<
    (typeof SEVERITIES)[number],
    number
  >;
  for (const f of findings) counts[f.severity]++;
  return { ...counts, silenced, entries };
}
