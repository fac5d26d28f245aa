/** Values for the loader's dynamic string tokens. */
export interface DstValues {
  origin: string;
  lib: string;
  platform: string;
}

const DST = /\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g;

/** Expands $ORIGIN, $LIB and $PLATFORM (bare or braced) in one path. */
export function expandDst(s: string, v: DstValues): string {
  if (!s.includes('$')) return s;
  return s.replace(DST, (_m, a: string | undefined, b: string | undefined) => {
    const t = a ?? b;
    return t === 'ORIGIN' ? v.origin : t === 'LIB' ? v.lib : v.platform;
  });
}

/**
 * Splits an RPATH/RUNPATH/path-file list into in-root directories: tokens expanded, relative
 * entries (and empty ones, meaning the current directory) taken from '/', duplicates dropped.
 */
export function splitPathList(list: string, v: DstValues | null): string[] {
  const out: string[] = [];
  for (const raw of list.split(':')) {
    const e = v ? expandDst(raw, v) : raw;
    // '..' is left for SourceRoot.realpath: after a symlinked directory it climbs from the target.
    let dir = e === '' || e === '.' ? '/' : e.startsWith('/') ? e : `/${e}`;
    dir = dir.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
    if (!out.includes(dir)) out.push(dir);
  }
  return out;
}
