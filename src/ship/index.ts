export { cacheRoot, looksLikeReference, type RunImage, runImage } from './cache.js';
export { fetchImage, type PullOptions, type PullResult, pullImage, verifyRemoteImage } from './pull.js';
export { type PushOptions, type PushResult, pushImage, SIGNATURE_MEDIA_TYPE } from './push.js';
export { type ImageReference, parseReference, refText, signatureTag } from './ref.js';
export { type RegistryOptions, registryFlags } from './skopeo.js';
