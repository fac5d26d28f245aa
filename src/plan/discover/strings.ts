/**
 * Literal strings of a file's read-only data that may name something it opens or runs. Pure:
 * deciding which of them exist in the source root, and which are worth adding, is the caller's.
 */

/** NUL-terminated printable strings of at least `min` bytes. */
export function* cStrings(data: Buffer, min = 2): Generator<string> {
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== 0) continue;
    if (i - start >= min) {
      const s = data.toString('latin1', start, i);
      if (/^[\x21-\x7e]+$/.test(s)) yield s;
    }
    start = i + 1;
  }
}

// Absolute paths under the directories that hold programs' data, configuration and helpers.
const PATH_RE = /^\/(?:etc|usr|opt|bin|sbin|lib|lib64)\/[A-Za-z0-9._+@-]+(?:\/[A-Za-z0-9._+@-]+)*$/;

/**
 * Absolute path strings (no format directives, no "..", no trailing slash). A colon-separated
 * search list ("/etc/magic:/usr/share/misc/magic", libmagic's default) counts as its parts.
 */
export function pathStrings(data: Buffer): string[] {
  const out = new Set<string>();
  for (const str of cStrings(data, 5)) {
    if (str.length > 400) continue;
    for (const s of str.split(':')) {
      if (s.length > 200 || !PATH_RE.test(s) || /\/\.\.?(?:\/|$)/.test(s)) continue;
      out.add(s);
    }
  }
  return [...out];
}

/** Bare words that could be a program name run through PATH ("gzip", "gpg-agent"). */
export function nameStrings(data: Buffer): string[] {
  const out = new Set<string>();
  for (const s of cStrings(data, 2)) if (/^[a-z][a-z0-9+_-]*[a-z0-9]$/.test(s) && s.length <= 32) out.add(s);
  return [...out];
}

/** The standard devices a file names ("/dev/null" → "null"): opened by path, so named in full. */
export function deviceStrings(data: Buffer): string[] {
  const out = new Set<string>();
  for (const s of cStrings(data, 9)) {
    const m = /^\/dev\/(null|zero|full|random|urandom)$/.exec(s);
    if (m) out.add(m[1] as string);
  }
  return [...out];
}
