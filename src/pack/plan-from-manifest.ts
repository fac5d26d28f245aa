import path from 'node:path';
import type { ManifestEntry } from '../manifest/index.js';
import type { JailPlan, PlanEntry } from '../plan/index.js';
import type { RunSettings } from '../spec/index.js';
import { capabilityFromHex } from '../sys/index.js';

/**
 * A plan describing a finished jail directory, for the bundle-mode setup script of a package made
 * from a directory without a spec: every entry as it stands, files copied from the directory.
 * The plan has no FIFO entries; those are listed in notes (install recreates them). File
 * capabilities travel as the entries' capability text, which the setup script sets with setcap.
 */
export function planFromManifest(
  dir: string,
  name: string,
  entries: readonly ManifestEntry[],
  run: RunSettings = {},
): JailPlan {
  const out: PlanEntry[] = [];
  const notes: string[] = [];
  for (const e of entries) {
    const base = { path: e.path, mode: Number.parseInt(e.mode, 8), uid: e.uid, gid: e.gid };
    switch (e.type) {
      case 'dir':
        out.push({ ...base, type: 'dir' });
        break;
      case 'file': {
        const cap = e.capability ? capabilityFromHex(e.capability) : undefined;
        out.push({
          ...base,
          type: 'file',
          source: path.join(dir, e.path),
          sha256: e.sha256 ?? '',
          size: e.size,
          ...(cap ? { capability: cap.text } : {}),
        });
        if (e.capability && !cap)
          notes.push(
            `${e.path} has a file capability the setup script cannot read; jailsmith install sets it`,
          );
        break;
      }
      case 'symlink':
        out.push({ ...base, type: 'symlink', target: e.target ?? '' });
        break;
      case 'hardlink':
        out.push({ ...base, type: 'hardlink', target: e.target ?? '' });
        break;
      case 'char':
      case 'block':
        out.push({
          ...base,
          type: 'device',
          device: e.type,
          major: e.rdev?.[0] ?? 0,
          minor: e.rdev?.[1] ?? 0,
        });
        break;
      default:
        notes.push(`${e.path} (${e.type}) is not created by the setup script; jailsmith install does`);
    }
  }
  return { format: 1, name, source: dir, entries: out, notes, run, audit: { allow: [] } };
}
