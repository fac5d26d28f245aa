import { createHash } from 'node:crypto';
import type { GeneratedEntry } from './types.js';

/** A file whose content jailsmith writes (never copied from the host). */
export function generatedFile(path: string, content: string, mode = 0o644, uid = 0, gid = 0): GeneratedEntry {
  return {
    type: 'generated',
    path,
    content,
    mode,
    uid,
    gid,
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
  };
}
