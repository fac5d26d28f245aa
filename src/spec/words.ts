/**
 * Splits a command line into words the way a POSIX shell quotes them (single quotes, double quotes
 * with \" \\ \$ \` escapes, backslash outside quotes) without expanding or running anything, so a
 * spec's `trace: ["python3 -c 'import ssl'"]` becomes an argument vector for execa. Returns the
 * reason instead when the line needs a real shell: an unbalanced quote, or an unquoted operator,
 * redirection, expansion or glob.
 */
/** Unquoted, these make a shell do something an argument vector cannot: operators, expansions, globs. */
const OPERATORS = '|&;<>()$`*?[';

export function splitWords(line: string): string[] | { needsShell: string } {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { needsShell: 'an unbalanced single quote' };
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        const d = line[j] as string;
        if (d === '$' || d === '`') return { needsShell: `an expansion (${d}) inside double quotes` };
        if (d === '\\' && j + 1 < line.length && '"\\$`'.includes(line[j + 1] as string)) j++;
        cur += line[j];
      }
      if (j >= line.length) return { needsShell: 'an unbalanced double quote' };
      inWord = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { needsShell: 'a trailing backslash' };
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (OPERATORS.includes(c) || (!inWord && (c === '#' || c === '~'))) {
      return { needsShell: `the unquoted shell character ${c}` };
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (words.length === 0) return { needsShell: 'an empty command' };
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] as string)) return { needsShell: 'an environment assignment' };
  return words;
}
