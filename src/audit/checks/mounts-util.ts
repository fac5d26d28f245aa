import { isUnder, JAIL_LOCAL_FS, type MountInfo } from '../../sys/index.js';

/**
 * A tmpfs/devpts/mqueue/ramfs mounted for the jail: a fresh instance, not a bind of a host one
 * (a bind shares the superblock, hence the devno, with a mount outside the jail). mqueue is per
 * IPC namespace, so sharing its devno is normal.
 */
export function isJailLocal(m: MountInfo, mounts: readonly MountInfo[], jail: string): boolean {
  if (!JAIL_LOCAL_FS.has(m.fstype)) return false;
  if (m.fstype === 'mqueue') return true;
  if (m.root !== '/') return false;
  return !mounts.some((o) => o !== m && o.devno === m.devno && !isUnder(o.mountPoint, jail));
}

/** The host path a bind mount shows, when a mount of the same filesystem outside the jail reveals it. */
export function hostOrigin(m: MountInfo, mounts: readonly MountInfo[], jail: string): string | undefined {
  let best: MountInfo | undefined;
  for (const o of mounts) {
    if (o.devno !== m.devno || isUnder(o.mountPoint, jail)) continue;
    if (!isUnder(m.root, o.root)) continue;
    if (!best || o.root.length > best.root.length) best = o;
  }
  if (!best) return undefined;
  const rest = best.root === '/' ? m.root : m.root.slice(best.root.length);
  const joined = best.mountPoint === '/' ? rest : `${best.mountPoint}${rest === '/' ? '' : rest}`;
  return joined || '/';
}

/** In-jail path of a mount point. */
export function inJail(m: MountInfo, jail: string): string {
  return m.mountPoint.slice(jail.length) || '/';
}

export const KERNEL_FS = new Set([
  'sysfs',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'bpf',
  'configfs',
  'pstore',
  'efivarfs',
  'fusectl',
  'binfmt_misc',
  'hugetlbfs',
]);
