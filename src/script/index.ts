export { canonicalJson, planDigest } from './digest.js';
export { shComment, shPathArg, shQuote } from './quote.js';
export { type RenderOptions, renderScript } from './render.js';
export { ScriptError, validatePlan } from './validate.js';
export type { ScriptMode } from './view.js';
