import { readFileSync } from 'node:fs';
import { SpecError } from '../errors.js';
import { type JailSpec, loadSpec, whyUnreadable } from '../spec/index.js';
import { parseCapabilityText } from '../sys/index.js';
import type { JailPlan } from './types.js';

const TYPES = new Set(['dir', 'file', 'generated', 'symlink', 'hardlink', 'device']);

/**
 * A plan saved by `jailsmith plan --json` (recognised by `"format": 1` and an entries list), or
 * null when the text is not one (then it is a spec). Checked enough that a hand-edited plan fails
 * with a clear message instead of half a build.
 */
export function parsePlanText(text: string, file: string): JailPlan | null {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    // A .json file is meant as JSON (a saved plan, or a spec in JSON): say what is wrong as JSON.
    if (file.endsWith('.json'))
      throw new SpecError('PLAN_INVALID', `not valid JSON: ${(e as Error).message}`, { path: file });
    return null; // JSON-looking YAML flow mapping: let the spec loader report it
  }
  if (typeof data !== 'object' || data === null || !('entries' in data) || !('format' in data)) return null;
  const plan = data as JailPlan;
  if (plan.format !== 1) throw bad(file, `unsupported plan format ${String(plan.format)}`);
  if (!Array.isArray(plan.entries)) throw bad(file, 'entries must be a list');
  plan.entries.forEach((e, i) => {
    const where = `entries[${i}]`;
    if (typeof e !== 'object' || e === null) throw bad(file, `${where} must be an object`);
    if (!TYPES.has(e.type)) throw bad(file, `${where}.type must be one of ${[...TYPES].join(', ')}`);
    if (typeof e.path !== 'string') throw bad(file, `${where}.path must be a string`);
    if (e.type === 'file' && e.capability !== undefined) {
      const cap = typeof e.capability === 'string' ? parseCapabilityText(e.capability) : 'not a string';
      if (typeof cap === 'string') throw bad(file, `${where}.capability: ${cap}`);
    }
    if (e.why !== undefined && typeof e.why !== 'string') throw bad(file, `${where}.why must be a string`);
    for (const k of ['mode', 'uid', 'gid'] as const) {
      if (!Number.isInteger(e[k]) || e[k] < 0)
        throw bad(file, `${where}.${k} must be a non-negative integer`);
    }
  });
  const hs = plan.hostSources;
  if (hs !== undefined && !(Array.isArray(hs) && hs.every((h) => typeof h === 'string' && h.startsWith('/'))))
    throw bad(file, 'hostSources must be a list of absolute host paths');
  plan.notes = Array.isArray(plan.notes) ? plan.notes : [];
  plan.source = typeof plan.source === 'string' ? plan.source : '/';
  return plan;
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError('SPEC_NOT_FOUND', `spec file ${whyUnreadable(e)}`, { path: file });
  }
}

function bad(file: string, what: string): SpecError {
  return new SpecError('PLAN_INVALID', `invalid plan: ${what}`, { path: file });
}

export type PlanOrSpec = { kind: 'plan'; plan: JailPlan } | { kind: 'spec'; spec: JailSpec };

export interface PlanOrSpecOptions {
  /** Source root overriding the spec's `source` (--root): refused for a saved plan. */
  root?: string;
  /** --qemu-static: sets the spec's qemu_static; refused for a saved plan (plan with it instead). */
  qemuStatic?: boolean;
}

/**
 * FILE as build, pack and script take it: a plan saved by `jailsmith plan --json` (used as it is:
 * it already names its source), or a spec, loaded. Options that only a spec can take are refused
 * for a plan rather than silently ignored.
 */
export async function loadPlanOrSpec(file: string, opts: PlanOrSpecOptions = {}): Promise<PlanOrSpec> {
  const plan = parsePlanText(readText(file), file);
  if (plan === null) {
    const spec = await loadSpec(file, {
      ...(opts.root === undefined ? {} : { root: opts.root }),
      qemuStatic: opts.qemuStatic === true,
    });
    return { kind: 'spec', spec };
  }
  if (opts.root !== undefined) {
    throw new SpecError('PLAN_ROOT', '--root applies to specs; a saved plan already names its source', {
      path: file,
    });
  }
  if (opts.qemuStatic === true) {
    throw new SpecError('PLAN_QEMU_STATIC', '--qemu-static applies to specs; plan with it instead', {
      path: file,
      hint: 'jailsmith plan SPEC --qemu-static --json > PLAN',
    });
  }
  return { kind: 'plan', plan };
}
