import { lstatSync } from 'node:fs';
import { errnoCode, UsageError } from '../errors.js';
import type { RunSettings } from '../spec/types.js';

export interface PackSource {
  /** The jail tree to pack. */
  dir: string;
  /** Jail name (spec name or directory base name). */
  name: string;
  run: RunSettings;
  /** The bundle-mode setup script, when one can be made. */
  setupScript?: string;
  /** Removes a temporary build. */
  cleanup(): void;
}

/** A jail directory as SOURCE: packed as it stands, with default run settings. */
export function openPackSource(source: string): PackSource {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(source);
  } catch (e) {
    throw new UsageError('PACK_SOURCE', `cannot read source: ${errnoCode(e) ?? e}`, { path: source });
  }
  if (st.isDirectory()) {
    const name = source.replace(/\/+$/, '').split('/').pop() || 'jail';
    return { dir: source, name, run: {}, cleanup() {} };
  }
  throw new UsageError('PACK_SOURCE', 'source is neither a jail directory nor a spec file', { path: source });
}
