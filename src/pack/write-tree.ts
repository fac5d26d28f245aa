import path from 'node:path';
import { PackError } from '../errors.js';
import type { ManifestEntry } from '../manifest/index.js';
import type { OnProgress } from '../progress.js';
import { headerFor } from './entry-header.js';
import { ContentChangedError, type TarWriter } from './tar/writer.js';

/**
 * Writes a tree's entries in manifest order (parents first, names bytewise), streaming each file
 * and checking it still hashes to what the manifest recorded.
 */
export async function writeTree(
  tar: TarWriter,
  dir: string,
  entries: readonly ManifestEntry[],
  mtime: number,
  onProgress?: OnProgress,
): Promise<void> {
  let done = 0;
  let bytes = 0;
  for (const e of entries) {
    if (onProgress) {
      // Reported as each entry starts: the one named is the one being read.
      if (e.type === 'file') bytes += e.size;
      onProgress({ entries: ++done, bytes, current: e.path, totalEntries: entries.length });
    }
    const h = headerFor(e, mtime);
    if (e.type !== 'file') {
      await tar.add(h);
      continue;
    }
    const host = path.join(dir, e.path);
    let digest: string;
    try {
      digest = await tar.addFile(h, host);
    } catch (err) {
      if (err instanceof ContentChangedError) {
        throw new PackError('PACK_SOURCE_CHANGED', err.reason, { path: e.path });
      }
      throw err;
    }
    if (digest !== e.sha256) {
      throw new PackError('PACK_SOURCE_CHANGED', 'file changed while packing', { path: e.path });
    }
  }
}
