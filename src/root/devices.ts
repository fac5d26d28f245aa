import { spawn } from 'node:child_process';
import { RootError } from '../errors.js';

export interface DeviceSpec {
  /** Host path inside the private staging tree. */
  host: string;
  /** A fifo ignores major and minor. */
  type: 'char' | 'block' | 'fifo';
  major: number;
  minor: number;
}

/** Kernel limits of dev_t as user space sees it (12-bit major, 20-bit minor in new_encode_dev). */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

/**
 * glibc's makedev(): the 64-bit dev_t with the low 8 minor bits at 0-7, 12 major bits at 8-19,
 * the remaining minor bits at 20-31 and the high major bits at 32+. The old 16-bit encoding
 * (major<<8|minor) is what breaks minors >= 256 in other tools.
 */
export function makeDev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

export function checkDevice(path: string, major: number, minor: number): void {
  const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!ok(major, MAX_MAJOR) || !ok(minor, MAX_MINOR)) {
    throw new RootError(
      'ROOT_DEVICE_NUMBER',
      `device number ${major}:${minor} out of range (major 0-${MAX_MAJOR}, minor 0-${MAX_MINOR})`,
      {
        path,
      },
    );
  }
}

/**
 * Creates device nodes with coreutils mknod (Node has no mknod). One shell runs every mknod of
 * the batch from an argument vector (no quoting, no string building), which costs one spawn from
 * Node instead of one per device; mknod itself calls makedev(), so any major/minor is right.
 * Nodes are made 0600; the writer sets owner and mode afterwards like any other entry.
 * FIFOs go through the same batch: mknod refuses numbers for them, so the script drops those.
 */
export async function makeDevices(devs: DeviceSpec[]): Promise<void> {
  if (devs.length === 0) return;
  const args: string[] = [];
  const letter = { char: 'c', block: 'b', fifo: 'p' } as const;
  for (const d of devs) args.push(d.host, letter[d.type], String(d.major), String(d.minor));
  const script =
    'while [ $# -gt 0 ]; do if [ "$2" = p ]; then mknod -m 0600 -- "$1" p || exit 1; ' +
    'else mknod -m 0600 -- "$1" "$2" "$3" "$4" || exit 1; fi; shift 4; done';
  // node:child_process, not execa: one small spawn does not pay for loading execa on every build.
  // No stdin or stdout: each pipe is a socket to set up while this process is forked.
  const stderr = await new Promise<string | null>((resolve) => {
    const child = spawn('sh', ['-c', script, 'sh', ...args], {
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    child.on('error', (e) => resolve(e.message));
    child.on('close', (code, signal) =>
      resolve(code === 0 ? null : text.trim() || `sh exited with ${signal ?? code}`),
    );
  });
  if (stderr !== null) {
    throw new RootError('ROOT_MKNOD_FAILED', `mknod failed: ${stderr}`, {
      path: devs[0]?.host,
    });
  }
}
