import { errnoCode } from '../errors.js';

/**
 * Why a spec (or saved plan) file could not be read, worded once so the same file gives the same
 * error whichever command reads it.
 */
export function whyUnreadable(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a directory';
  return `cannot be read (${code ?? e})`;
}
