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

/** rpm REQUIREFLAGS bit of `rpmlib(...)` requirements: satisfied by rpm itself, never a package. */
const RPMSENSE_RPMLIB = 1 << 24;
/**
 * Requirements of install scriptlets only (`Requires(post):`, a scriptlet's interpreter,
 * %pretrans/%posttrans, %verify): a jail never runs rpm scriptlets, so they pull nothing in.
 * rpm keeps a runtime requirement on the same name as an entry of its own.
 */
const RPMSENSE_SCRIPTLET_ONLY =
  (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13);

/**
 * rpm requirements → groups. `rpmlib(...)`, `config(...)` and scriptlet-only requirements are
 * dropped (rpm's own features, a package's own config provides, install-time needs); a simple rich dependency `(a or b or c)` becomes alternatives;
 * any other rich dependency is kept whole, so it is reported unsatisfied rather than guessed at.
 */
export function parseRpmRequires(names: string[], flags: number[]): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (((flags[i] ?? 0) & (RPMSENSE_RPMLIB | RPMSENSE_SCRIPTLET_ONLY)) !== 0) return;
    if (name.startsWith('rpmlib(') || name.startsWith('config(')) return;
    const group = parseRichOr(name) ?? [name];
    const key = group.join('\0');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(group);
  });
  return out;
}

/** `(a or b >= 1 or c)` → [a, b, c]; null for anything else (and, if, with, nesting). */
function parseRichOr(dep: string): string[] | null {
  const m = /^\((.*)\)$/.exec(dep.trim());
  if (!m) return null;
  const inner = m[1] as string;
  if (/[()]/.test(inner.replace(/\([^()]*\)/g, ''))) return null;
  const parts = inner.split(/\s+or\s+/);
  if (parts.some((p) => /\s(and|if|unless|with|without|else)\s/.test(` ${p} `))) return null;
  const alts = parts
    .map(
      (p) =>
        p
          .trim()
          .split(/\s+(?:[<>=]=?)\s+/)[0]
          ?.trim() ?? '',
    )
    .filter((p) => p !== '');
  return alts.length === parts.length ? alts : null;
}
