import type { JailPlan, PlanEntry } from '../plan/index.js';
import { VERSION } from '../version.js';
import { planDigest } from './digest.js';
import { parentOf, validatePlan } from './validate.js';

/** Paths per line of a batched mkdir/chown/chmod: short enough to read, far below ARG_MAX. */
const BATCH = 64;

export type ScriptMode = 'host' | 'bundle';

/** One creation step, in plan order; exactly one key is set so the template can branch on it. */
export interface Step {
  dirs?: string[];
  file?: { path: string; source: string; sha256: string };
  /** Files of one directory whose source has the same base name: one cp and one sha256sum for all. */
  files?: { dir: string; items: { source: string; sha256: string }[] };
  symlink?: { path: string; target: string };
  hardlink?: { path: string; target: string };
  device?: { path: string; kind: 'c' | 'b'; major: number; minor: number };
  generated?: { path: string; content: string };
}

export interface Carry {
  path: string;
  uid: number;
  gid: number;
  mode: number;
  /** The path and each of its ancestors below the root, outermost first: each is checked with [ -L ]. */
  components: string[];
}

export interface PayloadView {
  /** Fixed-width fields so the script's length does not depend on their values. */
  offset: string;
  size: string;
  sha256: string;
}

export interface ScriptView {
  version: string;
  name: string;
  digest: string;
  mode: ScriptMode;
  bundle: boolean;
  verify: boolean;
  notes: string[];
  steps: Step[];
  owners: { uid: number; gid: number; paths: string[] }[];
  modes: { mode: number; paths: string[] }[];
  carries: Carry[];
  /** File capabilities, set last (chown clears them): setcap text and jail path. */
  caps: { path: string; text: string }[];
  /** Bundle mode: the distinct content digests, sorted, in batches for one sha256sum each. */
  blobs: string[][];
  payload?: PayloadView;
}

function chunks<T>(xs: T[], n = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Groups paths by a key in order of first appearance, then splits each group into batches. */
function grouped<K>(items: { key: string; value: K; path: string }[]): { value: K; paths: string[] }[] {
  const groups = new Map<string, { value: K; paths: string[] }>();
  for (const it of items) {
    const g = groups.get(it.key) ?? { value: it.value, paths: [] };
    g.paths.push(it.path);
    groups.set(it.key, g);
  }
  return [...groups.values()].flatMap((g) => chunks(g.paths).map((paths) => ({ value: g.value, paths })));
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Adds a file to the previous batch when it can share its cp, else starts a batch or a single copy. */
function addFile(steps: Step[], path: string, source: string, sha256: string, batch: boolean): void {
  if (!batch || baseName(source) !== baseName(path)) {
    steps.push({ file: { path, source, sha256 } });
    return;
  }
  const dir = parentOf(path);
  const last = steps.at(-1);
  if (last?.files && last.files.dir === dir && last.files.items.length < BATCH) {
    last.files.items.push({ source, sha256 });
  } else steps.push({ files: { dir, items: [{ source, sha256 }] } });
}

function creationSteps(entries: PlanEntry[], mode: ScriptMode): Step[] {
  const steps: Step[] = [];
  for (const e of entries) {
    if (e.path === '/') continue;
    if (e.type === 'dir') {
      const last = steps.at(-1);
      if (last?.dirs && last.dirs.length < BATCH) last.dirs.push(e.path);
      else steps.push({ dirs: [e.path] });
      continue;
    }
    if (e.type === 'file') addFile(steps, e.path, e.source, e.sha256, mode === 'host');
    else if (e.type === 'symlink') steps.push({ symlink: { path: e.path, target: e.target } });
    else if (e.type === 'hardlink') steps.push({ hardlink: { path: e.path, target: e.target } });
    else if (e.type === 'generated') steps.push({ generated: { path: e.path, content: e.content } });
    else
      steps.push({
        device: { path: e.path, kind: e.device === 'char' ? 'c' : 'b', major: e.major, minor: e.minor },
      });
  }
  return steps;
}

/** Preserved directories not inside another preserved one (moving the outer one carries the inner). */
function carries(entries: PlanEntry[]): Carry[] {
  const kept = entries.filter((e) => e.type === 'dir' && e.preserve && e.path !== '/');
  const paths = new Set(kept.map((e) => e.path));
  const out: Carry[] = [];
  for (const e of kept) {
    const components: string[] = [];
    for (let p = e.path; p !== '/'; p = parentOf(p)) components.unshift(p);
    if (components.slice(0, -1).some((c) => paths.has(c))) continue;
    out.push({ path: e.path, uid: e.uid, gid: e.gid, mode: e.mode, components });
  }
  return out;
}

/**
 * The data the templates render: plan entries grouped into creation steps (plan order), owner
 * batches and mode batches (special bits last, since chown clears them), and carried user data.
 * Hard links share their target's inode, so they take no owner or mode of their own.
 */
export function scriptView(plan: JailPlan, mode: ScriptMode, verify = true): ScriptView {
  validatePlan(plan);
  const root = plan.entries.find((e) => e.path === '/') ?? { path: '/', uid: 0, gid: 0, mode: 0o755 };
  const attrs = [root, ...plan.entries.filter((e) => e.path !== '/' && e.type !== 'hardlink')];
  const owners = grouped(attrs.map((e) => ({ key: `${e.uid}:${e.gid}`, value: e, path: e.path })));
  const withMode = attrs.filter((e) => !('type' in e) || e.type !== 'symlink');
  const plain = withMode.filter((e) => (e.mode & 0o7000) === 0);
  const special = withMode.filter((e) => (e.mode & 0o7000) !== 0);
  const modes = [plain, special].flatMap((list) =>
    grouped(list.map((e) => ({ key: String(e.mode), value: e.mode, path: e.path }))),
  );
  return {
    version: VERSION,
    name: plan.name,
    digest: planDigest(plan),
    mode,
    bundle: mode === 'bundle',
    verify,
    notes: plan.notes ?? [],
    steps: creationSteps(plan.entries, mode),
    owners: owners.map((g) => ({ uid: g.value.uid, gid: g.value.gid, paths: g.paths })),
    modes: modes.map((g) => ({ mode: g.value, paths: g.paths })),
    carries: carries(plan.entries),
    caps: plan.entries.flatMap((e) =>
      e.type === 'file' && e.capability !== undefined ? [{ path: e.path, text: e.capability }] : [],
    ),
    blobs:
      mode === 'bundle'
        ? chunks([...new Set(plan.entries.flatMap((e) => (e.type === 'file' ? [e.sha256] : [])))].sort())
        : [],
  };
}
