import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export const DEBOOTSTRAP_CACHE = '/var/cache/jailsmith/debootstrap-trixie';
const MIRROR = process.env.JAILSMITH_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/**
 * A `debootstrap --variant=minbase trixie` root, made once and cached between runs. It is built in
 * a temporary sibling and renamed into place only when debootstrap succeeded, so an interrupted
 * run never leaves a half root that later runs would trust.
 */
export async function debootstrapTrixie(): Promise<string> {
  if (existsSync(path.join(DEBOOTSTRAP_CACHE, 'var/lib/dpkg/status'))) return DEBOOTSTRAP_CACHE;
  const parent = path.dirname(DEBOOTSTRAP_CACHE);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const work = mkdtempSync(path.join(parent, '.debootstrap-trixie-'));
  try {
    await execa('debootstrap', ['--variant=minbase', 'trixie', work, MIRROR], {
      env: { DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (existsSync(DEBOOTSTRAP_CACHE)) rmSync(DEBOOTSTRAP_CACHE, { recursive: true, force: true });
    renameSync(work, DEBOOTSTRAP_CACHE);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  return DEBOOTSTRAP_CACHE;
}
