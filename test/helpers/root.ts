import { describe } from 'vitest';

export const isRoot: boolean = process.getuid?.() === 0;

/**
 * describe() for suites that need root (chroot, mknod, mount, setcap). When not root the suite is
 * skipped and the reason printed, never silently.
 */
export function describeAsRoot(name: string, fn: () => void): void {
  if (isRoot) {
    describe(name, fn);
    return;
  }
  console.warn(`[skip] ${name}: needs root (chroot, mknod, mount); run the tests as root to include it`);
  describe.skip(name, fn);
}
