import { type ErrorCode, SpecError } from '../errors.js';
import { DEFAULT_DISCOVERY } from './discovery-signals.js';
import { itemOrigin, type SpecPart } from './normalize.js';
import { profileNames } from './profile-names.js';
import { nearest } from './suggest.js';
import type { JailSpec, SpecGroup } from './types.js';

export interface CheckOptions {
  origin: string[];
  defaultName: string;
  root: string | undefined;
  /** --qemu-static: turns qemu_static on whatever the spec says. */
  qemuStatic?: boolean;
}

/** An error about a list item after merging, still naming the file and line it came from. */
function itemError(item: object, code: ErrorCode, message: string, sub: (string | number)[], hint?: string) {
  const o = itemOrigin.get(item);
  if (!o) return new SpecError(code, message, hint === undefined ? {} : { hint });
  return o.doc.error(code, message, [...o.at, ...sub], hint === undefined ? {} : { hint });
}

/** Fills defaults and checks what only the merged spec can show (names used by dirs, profiles). */
export function checkSpec(part: SpecPart, opts: CheckOptions): JailSpec {
  const users = part.users ?? [];
  const groups: SpecGroup[] = [...(part.groups ?? [])];
  // Every user's primary group exists in the jail, named after the user when the spec names none.
  for (const u of users) {
    if (!groups.some((g) => g.gid === u.gid) && u.gid !== 0) {
      groups.push({
        name: groups.some((g) => g.name === u.name) ? `g${u.gid}` : u.name,
        gid: u.gid,
        members: [],
      });
    }
  }
  const spec: JailSpec = {
    name: part.name ?? opts.defaultName,
    source: opts.root ?? part.source ?? '/',
    binaries: part.binaries ?? [],
    files: part.files ?? [],
    trees: part.trees ?? [],
    exclude: part.exclude ?? [],
    profiles: part.profiles ?? [],
    packages: part.packages ?? [],
    dependencies: part.dependencies ?? false,
    docs: part.docs ?? false,
    qemuStatic: opts.qemuStatic === true || (part.qemuStatic ?? false),
    users,
    groups,
    devices: part.devices ?? [],
    dirs: part.dirs ?? [],
    symlinks: part.symlinks ?? [],
    trace: part.trace ?? [],
    keepSetuid: part.keepSetuid ?? [],
    capabilities: part.capabilities ?? {},
    discover: part.discover ?? [...DEFAULT_DISCOVERY],
    run: part.run ?? {},
    audit: part.audit ?? { allow: [] },
    origin: opts.origin,
    where: part.where ?? {},
  };
  const known = profileNames();
  for (const p of spec.profiles) {
    if (!known.includes(p)) {
      const guess = nearest(p, known);
      throw new SpecError(
        'SPEC_PROFILE',
        `unknown profile "${p}"${guess ? `; did you mean "${guess}"?` : ''}`,
        {
          path: spec.where?.[`profiles:${p}`] ?? opts.origin[0],
          hint: `profiles: ${known.join(', ')}`,
          details: { key: 'profiles', expected: known },
        },
      );
    }
  }
  const userNames = new Set(['root', ...users.map((u) => u.name)]);
  const groupNames = new Set(['root', ...groups.map((g) => g.name)]);
  for (const d of [...spec.dirs, ...spec.files]) {
    if (d.owner !== undefined && typeof d.owner === 'string' && !userNames.has(d.owner)) {
      throw itemError(
        d,
        'SPEC_UNKNOWN_USER',
        `owner "${d.owner}" is not a user of this spec`,
        ['owner'],
        'add it under users, or give a numeric uid',
      );
    }
    if (d.group !== undefined && typeof d.group === 'string' && !groupNames.has(d.group)) {
      throw itemError(
        d,
        'SPEC_UNKNOWN_GROUP',
        `group "${d.group}" is not a group of this spec`,
        ['group'],
        'add it under groups, or give a numeric gid',
      );
    }
  }
  checkUnique(spec.users, (u) => String(u.uid), 'uid');
  return spec;
}

function checkUnique<T extends object>(items: T[], key: (t: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw itemError(item, 'SPEC_DUPLICATE', `${what} ${k} is given to two entries`, [what]);
    seen.add(k);
  }
}
