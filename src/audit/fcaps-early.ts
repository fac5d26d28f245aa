/**
 * File capabilities read WHILE the walk runs: getfattr(1) walks the jail in its own process, on
 * another core, instead of after ours (it was the second full-tree walk of every audit, half the
 * wall time on a 100k-entry jail). Only when the jail has no foreign mount under it: then the
 * whole jail is the one `getfattr -R -P` call fcaps.ts's planArgs would make anyway, and nothing
 * about it depends on the walk. Otherwise (a /proc or a host bind under the jail) the audit keeps
 * the walk-first path of fcaps.ts, which names files around those mounts.
 * Since issue 17 the audit first tries fcaps-stream.ts (one lgetxattr per file find lists, no
 * walk of its own); this reader is for where that one cannot run (no perl, an unknown arch).
 */
import { type MountInfo, parseGetfattr } from '../sys/index.js';
import { decodeFileCap, type FileCapResult, getfattr } from './fcaps.js';
import { printable } from './names.js';
import type { Entry, FileCap } from './types.js';

export interface EarlyFileCaps {
  /** getfattr's output, or why there is none. */
  done: Promise<{ out?: Buffer; error?: string }>;
}

/**
 * Starts getfattr over the whole jail now, or returns undefined when a mount under the jail is
 * not walked (foreign) or the jail's own path is not plain text argv can carry as is.
 */
export function startFileCaps(
  jail: string,
  mountsUnder: readonly MountInfo[],
  descend: (m: MountInfo) => boolean,
): EarlyFileCaps | undefined {
  if (mountsUnder.some((m) => !descend(m))) return undefined;
  if (printable(Buffer.from(jail)).escaped) return undefined;
  // The one call fcaps.ts's planArgs would make for the whole jail, started now.
  const done = getfattr(['-R', '-P'], [jail]);
  return { done };
}

/** The capabilities of walked regular files, from the early run; keys are in-jail paths. */
export async function finishFileCaps(
  early: EarlyFileCaps,
  jail: string,
  lookup: (inJail: string) => Entry | undefined,
): Promise<FileCapResult> {
  const caps = new Map<string, FileCap>();
  const r = await early.done;
  if (r.error !== undefined) return { caps, calls: 1, error: r.error };
  const prefix = Buffer.from(jail === '/' ? '' : jail);
  for (const [name, value] of parseGetfattr(r.out ?? Buffer.alloc(0))) {
    const raw = Buffer.from(name, 'latin1');
    if (!raw.subarray(0, prefix.length).equals(prefix) || raw[prefix.length] !== 0x2f) continue;
    // Only what the walk met as a regular file counts (a name getfattr saw that the walk did not,
    // created in between, is left out like any file created after the walk).
    const e = lookup(printable(raw.subarray(prefix.length)).text);
    const cap = decodeFileCap(value);
    if (e?.type === 'file' && cap) caps.set(e.path, cap);
  }
  return { caps, calls: 1 };
}
