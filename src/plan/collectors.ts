import { collectAccounts } from './collect-accounts.js';
import { collectBinaries } from './collect-binaries.js';
import { collectDevices } from './collect-devices.js';
import { collectDirs } from './collect-dirs.js';
import { collectDistro, collectMergedUsr } from './collect-distro.js';
import { collectFiles } from './collect-files.js';
import { collectPackages } from './collect-packages.js';
import { collectProfiles } from './collect-profiles.js';
import { collectQemu } from './collect-qemu.js';
import { collectSymlinks } from './collect-symlinks.js';
import { collectTrace } from './collect-trace.js';
import { collectTrees } from './collect-trees.js';
import type { Collector } from './collector.js';
import { collectDiscovery } from './discover/collect-discovery.js';

/**
 * The sources of jail content, in the order they run. Profiles run before accounts (they name the
 * nsswitch databases); accounts run last so generated files win over anything copied.
 */
export const defaultCollectors: Collector[] = [
  collectDistro,
  collectBinaries,
  collectFiles,
  collectTrees,
  collectPackages,
  collectTrace,
  collectProfiles,
  collectDiscovery,
  collectDirs,
  collectDevices,
  collectSymlinks,
  collectMergedUsr,
  collectQemu,
  collectAccounts,
];
