export { type BundleResult, writeBundle } from './bundle.js';
export { canonicalJson, planDigest } from './digest.js';
export { type EmitOptions, type EmitResult, emitScript } from './emit.js';
export { shComment, shPathArg, shQuote } from './quote.js';
export { type RenderOptions, renderScript } from './render.js';
export { validatePlan } from './validate.js';
export type { ScriptMode } from './view.js';
