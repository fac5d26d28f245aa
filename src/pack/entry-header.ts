import type { ManifestEntry } from '../manifest/index.js';
import type { TarHeader, TarType } from './tar/header.js';

/** Archive name of a jail path: './' for the root, 'bin/' for a directory, 'bin/sh' otherwise. */
export function archiveName(jailPath: string, isDir: boolean): string {
  if (jailPath === '/') return './';
  return isDir ? `${jailPath.slice(1)}/` : jailPath.slice(1);
}

/**
 * The fixed mtime of every entry: SOURCE_DATE_EPOCH when set to a whole number of seconds, else 0
 * (the Unix epoch), so archives never depend on when files were touched.
 */
export function packEpoch(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.SOURCE_DATE_EPOCH;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export function headerFor(e: ManifestEntry, mtime: number): TarHeader {
  const type = e.type as TarType;
  const h: TarHeader = {
    name: archiveName(e.path, e.type === 'dir'),
    type,
    mode: Number.parseInt(e.mode, 8),
    uid: e.uid,
    gid: e.gid,
    size: e.type === 'file' ? e.size : 0,
    mtime,
    linkname: '',
    devmajor: e.rdev?.[0] ?? 0,
    devminor: e.rdev?.[1] ?? 0,
    xattrs: {},
  };
  if (e.type === 'symlink') h.linkname = e.target ?? '';
  // Hard links name the first link by its archive name, as GNU tar does.
  if (e.type === 'hardlink') h.linkname = archiveName(e.target ?? '/', false);
  if (e.capability) h.xattrs['security.capability'] = Buffer.from(e.capability, 'hex');
  return h;
}

/**
 * The jail path an archive name stands for, or a reason it is unsafe. Accepts only what our writer
 * produces plus harmless spelling ('./bin', trailing '/'): never absolute, never '..' or '.' inside.
 */
export function jailPathOf(name: string): { path: string } | { reason: string } {
  if (name.startsWith('/')) return { reason: 'absolute name' };
  if (name.includes('\0')) return { reason: 'NUL in name' };
  let rest = name.startsWith('./') ? name.slice(2) : name === '.' ? '' : name;
  rest = rest.replace(/\/$/, '');
  if (rest === '') return { path: '/' };
  const parts = rest.split('/');
  if (parts.includes('..')) return { reason: "'..' in name" };
  if (parts.some((p) => p === '' || p === '.')) return { reason: 'non-canonical name' };
  return { path: `/${rest}` };
}
