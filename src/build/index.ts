export { applyPlan } from './apply.js';
export { type BuildJailOptions, buildJail } from './build-jail.js';
export { completeEntries } from './expected.js';
export {
  type JailTrace,
  type MakejailSteps,
  makejailLoop,
  roundNotes,
  runUserspec,
  type TracedBuild,
  type TraceRound,
} from './makejail.js';
export { buildTraced, type TracedBuildOptions } from './traced.js';
export type { BuildOptions, BuildResult } from './types.js';
