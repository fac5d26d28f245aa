export * from './capabilities.js';
export * from './manifest.js';
export * from './types.js';
