import type { Check } from '../types.js';
import { passwdEmptyPassword, passwdExtraUid0, shadowRealHash } from './accounts.js';
import { blockDevice, dangerousCharDevice, deviceOutsideDev, unexpectedCharDevice } from './devices.js';
import { fileCapabilities } from './file-capabilities.js';
import { hardlinkOutsideJail } from './hardlink-outside-jail.js';
import { jailFsAllowsSuid, jailOnHostRootfs } from './jail-fs.js';
import { jailPathSymlink } from './jail-path-symlink.js';
import { jailRootUnsafe } from './jail-root-unsafe.js';
import { jailTraversableByHostUsers } from './jail-traversable-by-host-users.js';
import { loaderOrAuthFileWritable } from './loader-or-auth-file-writable.js';
import {
  loginAllowlistWritable,
  loginChrootRefused,
  loginHomeSystemDir,
  loginKeysUserWritable,
  loginNoLogSocket,
  loginNotJailed,
} from './login.js';
import { magicLink } from './magic-link.js';
import { missingLibrary } from './missing-library.js';
import {
  bindMountOutOfJail,
  devtmpfsMounted,
  kernelFsMounted,
  mountMissingNosuidNodev,
  mountPropagationShared,
  procfsMounted,
} from './mounts.js';
import { setgidBinary } from './setgid-binary.js';
import { setuidBinary } from './setuid-binary.js';
import { hostDaemonSocket, logSocket, unixSocket } from './sockets.js';
import { symlinkAbsolute } from './symlink-absolute.js';
import { symlinkAtBuilderTarget } from './symlink-at-builder-target.js';
import { symlinkClimbsOut } from './symlink-climbs-out.js';
import { systemDirNotRootOnly } from './system-dir-not-root-only.js';
import { systemFileWritableByUser } from './system-file-writable-by-user.js';
import { toolCompiler, toolDebugger, toolInterpreter, toolPrivileged } from './tools.js';
import { worldWritableDirNoSticky } from './world-writable-dir-no-sticky.js';

/** The static checks in report order: the jail root, files and modes, devices, links, mounts, sockets, accounts, tools, libraries, logins. */
export const STATIC_CHECKS: readonly Check[] = [
  jailRootUnsafe,
  jailPathSymlink,
  systemDirNotRootOnly,
  worldWritableDirNoSticky,
  systemFileWritableByUser,
  loaderOrAuthFileWritable,
  setuidBinary,
  setgidBinary,
  fileCapabilities,
  toolPrivileged,
  blockDevice,
  dangerousCharDevice,
  unexpectedCharDevice,
  deviceOutsideDev,
  hardlinkOutsideJail,
  jailOnHostRootfs,
  symlinkAtBuilderTarget,
  symlinkClimbsOut,
  symlinkAbsolute,
  magicLink,
  procfsMounted,
  kernelFsMounted,
  devtmpfsMounted,
  bindMountOutOfJail,
  mountMissingNosuidNodev,
  mountPropagationShared,
  jailFsAllowsSuid,
  hostDaemonSocket,
  logSocket,
  unixSocket,
  shadowRealHash,
  passwdEmptyPassword,
  passwdExtraUid0,
  toolDebugger,
  toolCompiler,
  toolInterpreter,
  jailTraversableByHostUsers,
  missingLibrary,
  loginNotJailed,
  loginHomeSystemDir,
  loginChrootRefused,
  loginKeysUserWritable,
  loginAllowlistWritable,
  loginNoLogSocket,
];
