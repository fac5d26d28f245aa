import os from 'node:os';
import path from 'node:path';

/**
 * The user's cache directory, where builds and plans share what they learnt about sources (root:
 * /var/cache/jailsmith, others: $XDG_CACHE_HOME/jailsmith). $JAILSMITH_CACHE overrides it;
 * JAILSMITH_CACHE=off turns the shared caches off (null).
 */
export function sharedCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir =
    env.JAILSMITH_CACHE ||
    (process.geteuid?.() === 0
      ? '/var/cache/jailsmith'
      : path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'jailsmith'));
  return dir === 'off' ? null : dir;
}
