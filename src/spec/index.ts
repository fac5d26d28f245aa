export { DEFAULT_DISCOVERY, DISCOVERY_SIGNALS, type DiscoverySignal } from './discovery-signals.js';
export { type LoadSpecOptions, loadSpec, parseSpec } from './load.js';
export { PROFILES_DIR, profileNames } from './profile-names.js';
export { STANDARD_DEVICES } from './standard-devices.js';
export type * from './types.js';
export type { JailSpec } from './types.js';
export { whyUnreadable } from './unreadable.js';
export { SCHEMA_PATH } from './validate.js';
