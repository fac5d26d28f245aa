import { capabilitiesOf, compareBytes } from '../manifest/index.js';
import type { PlanEntry } from '../plan/index.js';
import { capabilityFromHex, parseCapabilityText } from '../sys/index.js';
import type { Diff } from './compare.js';

/**
 * Moves files whose security.capability differs from the plan's (set, changed or to be removed)
 * from unchanged to changed. Separate from the lstat comparison because a capability is an xattr
 * that lstat does not show; one getfattr run over the jail, and only when the plan or the last
 * build had capabilities to care about.
 */
export function diffCapabilities(dir: string, expected: PlanEntry[], diff: Diff): void {
  const planned = new Map<string, string>();
  for (const e of expected) {
    if (e.type !== 'file' || e.capability === undefined) continue;
    const cap = parseCapabilityText(e.capability);
    if (typeof cap !== 'string') planned.set(e.path, cap.text);
  }
  const existing = capabilitiesOf(dir);
  if (planned.size === 0 && existing.size === 0) return;
  const unchanged = new Set(diff.unchanged);
  const differs = (p: string): boolean => {
    // Compared as text: the kernel may store revision 3 (with a rootid) for what we wrote as 2.
    const hex = existing.get(p);
    return planned.get(p) !== (hex === undefined ? undefined : (capabilityFromHex(hex)?.text ?? hex));
  };
  for (const p of new Set([...planned.keys(), ...existing.keys()])) {
    if (!unchanged.has(p) || !differs(p)) continue;
    unchanged.delete(p);
    diff.changed.push(p);
  }
  diff.unchanged = diff.unchanged.filter((p) => unchanged.has(p));
  diff.changed.sort(compareBytes);
}
