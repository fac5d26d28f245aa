export { makeOciBundle, type OciBundleOptions, type OciBundleResult } from './bundle.js';
export { allowedGaps, type Downgrade, type FleetTarget, GAPS, Gaps } from './downgrade.js';
export { type FleetDevice, type FleetJob, resolveJob } from './job.js';
export { checkName, k8sJob, k8sNetworkPolicy, quantity } from './k8s.js';
export { type K8sFilesOptions, type K8sFilesResult, makeK8sFiles } from './k8s-files.js';
export { MASKED_PATHS, ociConfig, READONLY_PATHS } from './oci-config.js';
export { checkFeatures, findRuntime, type RuntimeFeatures, runtimeFeatures } from './runtime.js';
export { type FleetSource, openFleetSource, recordedPolicy } from './source.js';
