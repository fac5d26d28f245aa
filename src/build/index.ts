export { applyPlan } from './apply.js';
export { type BuildJailOptions, buildJail } from './build-jail.js';
export { completeEntries } from './expected.js';
export type { BuildOptions, BuildResult } from './types.js';
