export { APK_INSTALLED, openApk, parseApkInstalled } from './apk.js';
export { DOC_DIRS, isDocPath, openPackageDb, packageContents, packageFiles } from './contents.js';
export { parseApkDepends, parseDebDepends, parseRpmRequires } from './deps.js';
export { DPKG_STATUS, openDpkg, parseDeb822 } from './dpkg.js';
export { openPacman, PACMAN_LOCAL, parsePacmanSections } from './pacman.js';
export { openRpm, RPM_DB_DIRS, RPM_SQLITE, rpmDb, rpmFiles, rpmRecord } from './rpm.js';
export { RpmHeader, RpmHeaderError, TAG as RPM_TAG } from './rpm-header.js';
export { SqliteFile, type SqlRow, type SqlValue } from './sqlite.js';
export type { InstalledPackage, PackageContents, PackageDb, PackageOptions } from './types.js';
