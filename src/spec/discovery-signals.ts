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
  'package-data',
  'interpreters',
  'helpers',
] as const;

export type DiscoverySignal = (typeof DISCOVERY_SIGNALS)[number];

/**
 * What `discover: true` (the default) turns on: every signal. `helpers` was opt-in while it took
 * any bare word that named a program on PATH ("opt", "view", "login" brought whole toolchains
 * into find's and git's jails); it now takes a script's commands, and an ELF program's words only
 * when they name a program of its own package or of one its package depends on or recommends.
 */
export const DEFAULT_DISCOVERY: readonly DiscoverySignal[] = DISCOVERY_SIGNALS;
