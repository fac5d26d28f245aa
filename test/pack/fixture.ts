import { chmodSync, chownSync, copyFileSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { TarHeader } from '../../src/pack/tar/header.js';
import { makeMiniJail } from '../helpers/mini-jail.js';

export const MARKER = 'jailsmith-pack-fixture-marker-0123456789';
export const LONG = `/opt/${'d'.repeat(60)}/${'f'.repeat(70)}.txt`;

/**
 * A jail holding every kind of entry the packer must carry: devices, a hard link pair, a setuid
 * file, a file capability, relative and absolute symlinks, a 1777 dir owned by 1000, a FIFO and a
 * path longer than ustar's 100-byte name field.
 */
export async function makeFeatureJail(dir: string): Promise<string> {
  await makeMiniJail(dir);
  const j = (p: string) => path.join(dir, p);
  mkdirSync(j('dev'), { mode: 0o755 });
  await execa('mknod', ['-m', '666', j('dev/null'), 'c', '1', '3']);
  await execa('mknod', ['-m', '660', j('dev/loop7'), 'b', '7', '7']);
  await execa('mkfifo', ['-m', '600', j('run.fifo')]);
  linkSync(j('bin/cat'), j('bin/cat2'));
  copyFileSync('/bin/true', j('bin/su'));
  chmodSync(j('bin/su'), 0o4755);
  copyFileSync('/bin/true', j('bin/ping'));
  await execa('setcap', ['cap_net_raw+ep', j('bin/ping')]);
  mkdirSync(j('usr/bin'), { recursive: true, mode: 0o755 });
  symlinkSync('../../bin/sh', j('usr/bin/sh'));
  symlinkSync('/bin/cat', j('etc/cat-abs'));
  chownSync(j('tmp'), 1000, 1000);
  chmodSync(j('tmp'), 0o1777);
  mkdirSync(j('data'), { mode: 0o750 });
  writeFileSync(j('data/secret.txt'), `${MARKER}\n`);
  chownSync(j('data'), 1000, 1000);
  mkdirSync(path.dirname(j(LONG)), { recursive: true });
  writeFileSync(j(LONG), 'long name\n');
  return dir;
}

export function hdr(name: string, type: TarHeader['type'], extra: Partial<TarHeader> = {}): TarHeader {
  return {
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: {},
    ...extra,
  };
}
