export { cacheRoot, type RunImage, runImage } from './cache.js';
export { type PullOptions, type PullResult, pullImage } from './pull.js';
export { type PushOptions, type PushResult, pushImage, SIGNATURE_MEDIA_TYPE } from './push.js';
export { type ImageReference, parseReference, refText, signatureTag } from './ref.js';
export { type RegistryOptions, registryFlags } from './skopeo.js';
