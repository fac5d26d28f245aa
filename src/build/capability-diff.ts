import { capabilitiesOf, compareBytes } from '../manifest/index.js';
import type { PlanEntry } from '../plan/index.js';
import { RACY_NS } from '../resolve/file-facts.js';
import { capabilityFromHex, parseCapabilityText } from '../sys/index.js';
import type { Diff, Existing } from './compare.js';
import type { CapsRecord } from './state.js';

/**
 * Moves files whose security.capability differs from the plan's (set, changed or to be removed)
 * from unchanged to changed. Separate from the lstat comparison because a capability is an xattr
 * that lstat does not show: one getfattr run over the jail. Unless `last` says getfattr already
 * confirmed these very capabilities, and every entry of the jail (`scanned`) has not changed
 * since: setting or removing an xattr moves the inode's ctime, so an entry whose ctime is older
 * than that confirmation (by RACY_NS: the kernel stamps times from a clock that lags) holds what
 * was confirmed. Returns the confirmation to keep in the state: `last` when it served, a new one
 * when getfattr found the jail as planned and every entry old enough to rely on it next time.
 */
export function diffCapabilities(
  dir: string,
  expected: PlanEntry[],
  diff: Diff,
  scanned?: ReadonlyMap<string, Existing>,
  last?: CapsRecord,
): CapsRecord | undefined {
  const planned = new Map<string, string>();
  for (const e of expected) {
    if (e.type !== 'file' || e.capability === undefined) continue;
    const cap = parseCapabilityText(e.capability);
    if (typeof cap !== 'string') planned.set(e.path, cap.text);
  }
  const plannedText = Object.fromEntries(planned);
  if (last && scanned && sameText(last.planned, plannedText) && olderThan(scanned, last.at)) return last;
  const started = BigInt(Date.now()) * 1_000_000n;
  const existing = capabilitiesOf(dir);
  const confirmed =
    scanned && olderThan(scanned, started) ? { at: started, planned: plannedText } : undefined;
  if (planned.size === 0 && existing.size === 0) return confirmed;
  const before = diff.changed.length;
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
  return diff.changed.length === before ? confirmed : undefined;
}

function sameText(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** True when every scanned entry last changed more than RACY_NS before `atNs`. */
function olderThan(scanned: ReadonlyMap<string, Existing>, atNs: bigint): boolean {
  const limitMs = Number((atNs - RACY_NS) / 1_000_000n);
  for (const x of scanned.values()) if (!(x.st.ctimeMs < limitMs)) return false;
  return true;
}
