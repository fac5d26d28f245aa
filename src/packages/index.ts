export { APK_INSTALLED, openApk, parseApkInstalled } from './apk.js';
export { DOC_DIRS, isDocPath, openPackageDb, packageContents, packageFiles } from './contents.js';
export { parseApkDepends, parseDebDepends } from './deps.js';
export { DPKG_STATUS, openDpkg, parseDeb822 } from './dpkg.js';
export { openPacman, PACMAN_LOCAL, parsePacmanSections } from './pacman.js';
export type { InstalledPackage, PackageContents, PackageDb, PackageOptions } from './types.js';
