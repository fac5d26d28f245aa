import type { OsRelease } from './types.js';

/**
 * Parses os-release(5): KEY=value lines, values optionally in single or double quotes with
 * backslash escapes inside double quotes; comments and blank lines ignored.
 */
export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    fields[m[1] as string] = unquote(m[2] as string);
  }
  const words = (v: string | undefined): string[] =>
    (v ?? '')
      .split(/\s+/)
      .map((w) => w.toLowerCase())
      .filter((w) => w !== '');
  return {
    id: fields.ID ? fields.ID.toLowerCase() : null,
    idLike: words(fields.ID_LIKE),
    versionId: fields.VERSION_ID ?? null,
    versionCodename: fields.VERSION_CODENAME ?? null,
    prettyName: fields.PRETTY_NAME ?? null,
    fields,
  };
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  return v;
}
