import { PlanError } from '../errors.js';
import { globRoot } from '../sys/index.js';
import type { Collector } from './collector.js';
import { type PlanContext, Rank } from './context.js';
import type { Copier } from './copy.js';
import { generatedFile } from './generated.js';
import { loadProfile, type ProfileNeed } from './profile-data.js';

/**
 * Conditions a need's `when` may use. Extensible: the distro data adds its own (e.g. `distro`)
 * by registering a predicate here.
 */
export const profileConditions: Record<string, (value: unknown, ctx: PlanContext) => boolean> = {
  /** An in-root glob that must match something. */
  exists: (v, ctx) => globRoot(ctx.root, String(v)).length > 0,
  /** An in-root glob that must match nothing. */
  missing: (v, ctx) => globRoot(ctx.root, String(v)).length === 0,
};

function applies(need: ProfileNeed, ctx: PlanContext, profile: string): boolean {
  for (const [k, v] of Object.entries(need.when ?? {})) {
    const cond = profileConditions[k];
    if (!cond)
      throw new PlanError(
        'PROFILE_INVALID',
        `profile ${profile}: unknown condition "${k}" in need ${need.name}`,
      );
    if (!cond(v, ctx)) return false;
  }
  return true;
}

export const collectProfiles: Collector = {
  name: 'profiles',
  collect(ctx, copier) {
    for (const name of ctx.spec.profiles) applyProfile(ctx, copier, name, `profile ${name}`);
  },
};

/**
 * Adds one profile's files, nsswitch databases, generated files and notes. `origin` is what the
 * plan says about why (discovery passes "profile tzdata because /usr/bin/date imports localtime",
 * and leaves out the profile's notes: advice for who chose the profile, not for every jail).
 */
export function applyProfile(
  ctx: PlanContext,
  copier: Copier,
  name: string,
  origin: string,
  notes = true,
): void {
  const profile = loadProfile(name);
  ctx.extraExcludes.push(...profile.exclude);
  ctx.excludesChanged();
  for (const need of profile.needs) {
    if (!applies(need, ctx, name)) continue;
    const matches = need.any.map((g) => globRoot(ctx.root, g));
    const found = need.all ? [...new Set(matches.flat())] : matches.find((m) => m.length > 0);
    if (!found || found.length === 0) {
      if (need.optional) continue;
      throw ctx.specError(
        'SPEC_PROFILE_UNMET',
        `profile ${name}: ${need.name} is not in the source root (looked for ${need.any.join(', ')})`,
        'profiles',
        name,
        'install it in the source root, or drop the profile',
      );
    }
    for (const p of found) {
      if (ctx.excluded(p)) continue;
      copier.copy(p, { resolve: need.binary ? 'strict' : 'lenient', tree: need.tree === true, origin });
    }
  }
  for (const [db, sources] of Object.entries(profile.nsswitch)) {
    const have = ctx.nsswitch.get(db) ?? [];
    for (const s of sources) if (!have.includes(s)) have.push(s);
    ctx.nsswitch.set(db, have);
  }
  for (const g of profile.generate) {
    const mode = g.mode ? Number.parseInt(g.mode, 8) : 0o644;
    ctx.add(generatedFile(g.path, g.content, mode), Rank.profile, origin);
  }
  if (notes) for (const n of profile.notes) ctx.notes.add(n);
}
