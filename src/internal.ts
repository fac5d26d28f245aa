/**
 * Everything the stages export, for tools built on jailsmith's internals:
 * `import { ... } from 'jailsmith/internal'`. No stability promise: names here move with the
 * code. The supported API is src/index.ts (`jailsmith`).
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
export type { Dependencies, DependencyEdge, ResolveOptions, Resolver } from './resolve/types.js';
export * from './root/index.js';
export * from './run/index.js';
export * from './script/index.js';
export * from './spec/index.js';
export * from './sys/index.js';
export * from './trace/index.js';
export { VERSION } from './version.js';
