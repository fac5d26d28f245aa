import { execa } from 'execa';
import { RootError } from '../errors.js';

export interface CapabilitySpec {
  /** Checked jail path of a file already in the staging tree. */
  path: string;
  /** Hex of the security.capability value (no 0x). */
  hex: string;
}

/** getfattr/setfattr dump names: bytes outside printable ASCII and '\' as octal escapes. */
function escapeName(p: string): string {
  let out = '';
  for (const b of Buffer.from(p)) {
    out +=
      b <= 0x20 || b >= 0x7f || b === 0x5c ? `\\${b.toString(8).padStart(3, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/**
 * Sets security.capability on files under `root` in one setfattr run (Node has no setxattr).
 * The dump goes through stdin so nothing extra lands in the staging tree, and -h makes setfattr
 * act on a link itself rather than follow it. Call it after owners are set: chown clears it.
 */
export async function setCapabilities(root: string, caps: readonly CapabilitySpec[]): Promise<void> {
  if (caps.length === 0) return;
  const dump = caps.map((c) => `# file: ${escapeName(c.path.slice(1))}\nsecurity.capability=0x${c.hex}\n`);
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
