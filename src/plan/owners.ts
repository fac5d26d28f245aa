import { SpecError } from '../errors.js';
import type { JailSpec } from '../spec/index.js';

/** Numeric id of an owner or group the spec names (the loader checked that the names exist). */
export function idOf(spec: JailSpec, v: number | string | undefined, kind: 'user' | 'group'): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (v === 'root') return 0;
  const id =
    kind === 'user' ? spec.users.find((u) => u.name === v)?.uid : spec.groups.find((g) => g.name === v)?.gid;
  if (id === undefined) throw new SpecError('SPEC_UNKNOWN_USER', `${kind} "${v}" is not defined in the spec`);
  return id;
}
