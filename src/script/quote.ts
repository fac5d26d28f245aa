/**
 * Shell quoting for the generated script. Everything the plan supplies (paths, link targets, file
 * content) reaches the script only through shQuote: single quotes make every byte literal in POSIX sh
 * (newlines, `$(...)`, backquotes and `;` included); a single quote itself is closed, escaped, reopened.
 */
export function shQuote(s: string): string {
  // Internal invariant, plain Error on purpose: validatePlan refuses NUL bytes before rendering.
  if (s.includes('\0')) throw new Error('a shell word cannot hold a NUL byte');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A word that must not be read as an option by the command it is passed to: relative words starting
 * with `-` get a `./` prefix. Only for paths, where `./-x` names the same file as `-x`; link targets
 * keep their exact text and rely on `--` instead.
 */
export function shPathArg(p: string): string {
  return shQuote(p.startsWith('-') ? `./${p}` : p);
}

/** Text safe inside a `#` comment: one line, no control characters. */
export function shComment(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?');
}
