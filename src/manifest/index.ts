export * from './capabilities.js';
export * from './manifest.js';
export type { ManifestEntry } from './types.js';
export * from './types.js';
