import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PlanError } from '../errors.js';
import { PROFILES_DIR } from '../spec/index.js';

/**
 * A profile: files ELF cannot show (NSS modules, CA bundles, zone data), as data in
 * templates/profiles/<name>.yaml. Each need lists alternatives across distribution layouts; the
 * first alternative that matches anything in the root is taken (all of its matches).
 */
export interface ProfileNeed {
  /** What this is, for messages ("libnss_files"). */
  name: string;
  /** In-root globs, tried in order. */
  any: string[];
  /** Take the matches of every alternative, not only of the first that matches. */
  all?: boolean;
  /** Copy whole directories that match. */
  tree?: boolean;
  /** Resolve strictly, as a binary (an interpreter the profile brings). */
  binary?: boolean;
  /** No error when nothing matches. */
  optional?: boolean;
  /** Conditions, all of which must hold for the need to apply (see profileConditions). */
  when?: Record<string, unknown>;
}

export interface ProfileFile {
  path: string;
  content: string;
  mode?: string;
}

export interface Profile {
  name: string;
  description: string;
  needs: ProfileNeed[];
  /** nsswitch.conf database → sources, e.g. {passwd: [files], hosts: [files, dns]}. */
  nsswitch: Record<string, string[]>;
  /** Files written by jailsmith rather than copied (e.g. a minimal /etc/hosts). */
  generate: ProfileFile[];
  /** Globs left out of what this profile's trees bring. */
  exclude: string[];
  notes: string[];
  /**
   * Globs of the programs this profile is the library of (an interpreter: /usr/bin/ruby*).
   * Discovery's `interpreters` signal applies the profile to a jail that names one of them.
   */
  programs: string[];
}

const cache = new Map<string, Profile>();

export function loadProfile(name: string, dir = PROFILES_DIR): Profile {
  const file = path.join(dir, `${name}.yaml`);
  const hit = cache.get(file);
  if (hit) return hit;
  let raw: Record<string, unknown>;
  try {
    raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new PlanError('PROFILE_INVALID', `profile ${name} cannot be read: ${(e as Error).message}`, {
      path: file,
    });
  }
  const bad = (what: string) => new PlanError('PROFILE_INVALID', `profile ${name}: ${what}`, { path: file });
  const needs = (raw.needs ?? []) as ProfileNeed[];
  if (!Array.isArray(needs)) throw bad('needs must be a list');
  for (const n of needs) {
    if (
      typeof n?.name !== 'string' ||
      !Array.isArray(n.any) ||
      n.any.some((g) => typeof g !== 'string' || !g.startsWith('/'))
    ) {
      throw bad('each need has a name and a list "any" of absolute globs');
    }
  }
  if (
    !Array.isArray(raw.programs ?? []) ||
    ((raw.programs ?? []) as unknown[]).some((g) => typeof g !== 'string' || !g.startsWith('/'))
  )
    throw bad('programs must be a list of absolute globs');
  const profile: Profile = {
    name,
    description: String(raw.description ?? ''),
    needs,
    nsswitch: (raw.nsswitch ?? {}) as Record<string, string[]>,
    generate: (raw.generate ?? []) as ProfileFile[],
    exclude: (raw.exclude ?? []) as string[],
    notes: (raw.notes ?? []) as string[],
    programs: (raw.programs ?? []) as string[],
  };
  cache.set(file, profile);
  return profile;
}
