import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

/** Mount points at or below `dir` (mountinfo's field 5, octal escapes decoded). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) =>
      line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(Number.parseInt(o, 8))),
    )
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)));
}

// Registered once, while this file's suite is collected: an afterAll registered from inside a
// running test is never called, and the directories made there were left behind.
afterAll(() => {
  for (const dir of made.splice(0)) {
    const mounts = mountsUnder(dir);
    if (mounts.length > 0) {
      // A recursive delete would go through a bind mount into the host's tree.
      console.warn(`tmpDir: left ${dir} in place, still mounted: ${mounts.join(', ')}`);
      continue;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A fresh directory under the system temp dir, removed after the test file (unless something is
 * still mounted in it). Call it anywhere: at describe level or inside a test. The directory is
 * root-owned 0700 when the tests run as root.
 */
export function tmpDir(prefix = 'jailsmith-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
