/**
 * Tests that need a host tool (bwrap, keyctl, shellcheck, a cgroup controller...) ask here first.
 * In CI (CI=true) a missing tool fails the test file: a check that cannot run must never pass
 * quietly. Elsewhere the suite is skipped with the reason printed.
 */
import { findHostTool } from '../../src/sys/index.js';

/** The tool's path in the system directories, or null. */
export function toolPath(name: string): string | null {
  return findHostTool(name);
}

/**
 * True when `ok` holds. Otherwise: in CI an Error naming what is missing (the file fails); outside
 * CI a `[skip]` line on stderr and false, for `describe.skipIf(!requireThat(...))`.
 */
export function requireThat(ok: boolean, what: string, install?: string): boolean {
  if (ok) return true;
  const msg = `${what}${install ? ` (${install})` : ''}`;
  if (inCI) throw new Error(`required for this test in CI: ${msg}`);
  console.warn(`[skip] ${msg}`);
  return false;
}

/** requireThat for a program in the system directories; `pkg` is the Debian package that has it. */
export function requireTool(name: string, pkg: string = name): boolean {
  return requireThat(
    toolPath(name) !== null,
    `${name} is not installed`,
    `apt-get install ${pkg}; listed in .ci/apt-packages`,
  );
}
