import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * A fresh directory under the system temp dir, removed after the suite. Call it inside a
 * describe() body or a test; the directory is root-owned 0700 when the tests run as root.
 */
export function tmpDir(prefix = 'jailsmith-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
