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
  'paths',
  'helpers',
] as const;

export type DiscoverySignal = (typeof DISCOVERY_SIGNALS)[number];
