/**
 * Debian dependency fields: `a (>= 1) | b:any [amd64] <!nocheck>, c` → [[a, b], [c]].
 * Versions, architecture qualifiers and build profiles do not matter for what is installed.
 */
export function parseDebDepends(field: string | undefined): string[][] {
  if (!field) return [];
  return field
    .split(',')
    .map((group) =>
      group
        .split('|')
        .map((alt) =>
          alt
            .replace(/\([^)]*\)/g, '')
            .replace(/\[[^\]]*\]/g, '')
            .replace(/<[^>]*>/g, '')
            .trim()
            .replace(/:(any|native)$/, ''),
        )
        .filter((a) => a !== ''),
    )
    .filter((g) => g.length > 0);
}

/** apk `D:` tokens: `so:libc.musl-x86_64.so.1 cmd:sh zlib>=1.2 !conflict` → [[...]], conflicts dropped. */
export function parseApkDepends(field: string | undefined): string[][] {
  if (!field) return [];
  return field
    .split(/\s+/)
    .filter((t) => t !== '' && !t.startsWith('!'))
    .map((t) => [stripApkVersion(t)]);
}

/** `name=1.2-r0`, `name>=1`, `name~1` → name. */
export function stripApkVersion(token: string): string {
  const m = /^([^<>=~]+)/.exec(token);
  return m ? (m[1] as string) : token;
}
