export { detectArch, hostArch, qemuName } from './arch.js';
export { assertIsRoot, detectDistro } from './detect.js';
export { parseOsRelease } from './os-release.js';
export { expandProfile, loadProfiles, PROFILE_DIR, pickProfile } from './profile.js';
export type { DistroInfo, DistroProfile, OsRelease } from './types.js';
