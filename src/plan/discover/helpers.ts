/**
 * Helper programs a program runs by name. Two kinds of evidence, both precise enough to act on:
 * - a shell script's commands: words in command position (zcat's `exec gzip -cd`), outside
 *   quotes and comments, that are not builtins or keywords;
 * - an ELF program's whole strings that name a program of its own package or of a package it
 *   depends on or recommends (groff's "troff"), when it imports a function that runs programs.
 *   A bare word alone is too weak ("date", "opt", "view" in any program's messages); the
 *   package relation says the packager meant them to be there together.
 */

// Shell builtins and keywords (POSIX, dash and bash): never looked up on PATH by the shell.
const SHELL_WORDS = new Set(
  (
    'if then else elif fi case esac for select while until do done in function time coproc ' +
    'alias bg cd command echo eval exec exit export false fc fg getopts hash jobs kill local ' +
    'printf pwd read readonly return set shift test trap true type ulimit umask unalias unset ' +
    'wait break continue let declare typeset source shopt builtin enable mapfile readarray ' +
    'pushd popd dirs disown suspend logout caller compgen complete help history times'
  ).split(' '),
);

// Words that run the next word as the command: `exec gzip`, `command -v`, `nice sort`.
const PREFIXES = new Set([
  'exec',
  'command',
  'nohup',
  'nice',
  'env',
  'time',
  'builtin',
  '!',
  'then',
  'do',
  'else',
]);

/** Whether a file's first bytes are a `#!` line naming a shell. */
export function isShellScript(head: string): boolean {
  return /^#!\s*\/\S*\/(?:env\s+)?(?:sh|bash|dash|ksh|mksh|zsh|busybox\s+sh)\b/.test(head);
}

/** Blanks quoted text and comments, keeping newlines, so only code is left to read. */
function codeOnly(text: string): string {
  let out = '';
  let q: '"' | "'" | null = null;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\n') {
      comment = false;
      out += c;
      continue;
    }
    if (comment) continue;
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
      out += ' ';
      continue;
    }
    if (c === '\\') {
      i++;
      out += ' ';
    } else if (c === '"' || c === "'") {
      q = c;
      out += ' ';
    } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(text[i - 1] as string))) comment = true;
    else out += c;
  }
  return out;
}

/** Names a shell script runs as commands, in order of first use. */
export function scriptCommands(text: string): string[] {
  const out = new Set<string>();
  for (const seg of codeOnly(text).split(/\n|;|&&|\|\||\||&|\$\(|`|\(|\)|\{|\}/)) {
    const words = seg.trim().split(/\s+/);
    let i = 0;
    // Assignments (LC_ALL=C sort) and prefixes come before the command.
    while (
      i < words.length &&
      (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] as string) || PREFIXES.has(words[i] as string))
    )
      i++;
    const w = words[i];
    if (!w || !/^[a-z][a-z0-9+_.-]*$/.test(w) || w.length > 32 || SHELL_WORDS.has(w)) continue;
    out.add(w);
  }
  return [...out];
}
