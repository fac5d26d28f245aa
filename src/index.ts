/**
 * The jailsmith library API. Every function returns data; only src/cli prints or exits.
 * Each stage module re-exports its public surface here.
 */

export * from './audit/index.js';
export * from './build/index.js';
export * from './distro/index.js';
export * from './elf/index.js';
export * from './errors.js';
export * from './import/index.js';
export * from './login/index.js';
export * from './manifest/index.js';
export * from './pack/index.js';
export * from './packages/index.js';
export * from './plan/index.js';
export * from './policy/index.js';
export type { OnProgress, Progress } from './progress.js';
export * from './resolve/index.js';
export * from './resolve/source-root.js';
export type { Dependencies, DependencyEdge, ResolveOptions, Resolver } from './resolve/types.js';
export * from './root/index.js';
export * from './run/index.js';
export * from './script/index.js';
export * from './spec/index.js';
export * from './trace/index.js';
export { VERSION } from './version.js';
