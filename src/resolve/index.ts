export { type ArchEnv, RootConfig } from './arch-env.js';
export type { Edge, ElfClosure } from './closure.js';
export { expandDst, splitPathList } from './dst.js';
export { hostX86Levels } from './hwcaps.js';
export { type CacheEntry, type LdCache, lookupCache, parseLdCache } from './ld-cache.js';
export { readLdSoConf } from './ld-conf.js';
export { createResolver, createResolverSync, LoaderResolver } from './resolver.js';
export { parseShebang, type Shebang } from './shebang.js';
