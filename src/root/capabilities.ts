import { RootError } from '../errors.js';
import { setfattrRecord } from '../sys/index.js';

export interface CapabilitySpec {
  /** Checked jail path of a file already in the staging tree. */
  path: string;
  /** Hex of the security.capability value (no 0x). */
  hex: string;
}

/**
 * Sets security.capability on files under `root` in one setfattr run (Node has no setxattr).
 * The dump goes through stdin so nothing extra lands in the staging tree, and -h makes setfattr
 * act on a link itself rather than follow it. Call it after owners are set: chown clears it.
 */
export async function setCapabilities(root: string, caps: readonly CapabilitySpec[]): Promise<void> {
  if (caps.length === 0) return;
  const dump = caps.map((c) => setfattrRecord(c.path.slice(1), c.hex));
  // Loaded when used: a command that never writes a jail (run, audit) skips its cost.
  const { execa } = await import('execa');
  const r = await execa('setfattr', ['-h', '--restore=-'], {
    cwd: root,
    input: `${dump.join('\n')}\n`,
    reject: false,
    env: { LC_ALL: 'C' },
  });
  if (r.failed) {
    const why = r.exitCode === undefined ? String(r.shortMessage) : String(r.stderr).trim();
    throw new RootError('ROOT_XATTR_FAILED', `setfattr failed: ${why}`, {
      path: root,
      hint: 'install the Debian package attr',
    });
  }
}
