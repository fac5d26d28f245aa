/**
 * The discovery signals a spec can name under `discover:`. Each is a kind of evidence that a
 * program needs a file its ELF closure does not show (src/plan/discover/ acts on them).
 */
export const DISCOVERY_SIGNALS = [
  'gconv',
  'nss',
  'locale',
  'zoneinfo',
  'libgcc_s',
  'shell',
  'tmp',
  'devices',
  'paths',
  'helpers',
] as const;

export type DiscoverySignal = (typeof DISCOVERY_SIGNALS)[number];

/**
 * What `discover: true` (the default) turns on. Not `helpers`: measured on the corpus, bare words
 * in a program's strings that happen to name a program on PATH ("opt", "view", "login") brought
 * whole toolchains into find's and git's jails; it is there to name, not to rely on.
 */
export const DEFAULT_DISCOVERY: readonly DiscoverySignal[] = DISCOVERY_SIGNALS.filter((s) => s !== 'helpers');
