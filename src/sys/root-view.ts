/**
 * What sys/ needs of a root (resolve/SourceRoot has it): in-root paths resolved like the kernel
 * after chroot, so no lookup follows a root's own links out to the host. A structural type keeps
 * sys/ a leaf that imports no other folder.
 */
export interface RootView {
  /** The in-root path with every link resolved inside the root; null when it does not resolve. */
  realpath(inRoot: string, followLast?: boolean): { path: string } | null;
  /** The host path of a resolved in-root path. */
  host(inRoot: string): string;
}
