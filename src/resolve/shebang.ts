/** A `#!` line split as Linux does: the interpreter, and the rest as one optional argument. */
export interface Shebang {
  interpreter: string;
  arg: string | null;
  /** For `/usr/bin/env [options] NAME`, the NAME env will look up on PATH (or a path). */
  envTarget: string | null;
}

export function parseShebang(line: string): Shebang | null {
  const t = line.replace(/\r$/, '').trim();
  if (t === '') return null;
  const m = /^(\S+)(?:\s+(.*))?$/.exec(t);
  if (!m) return null;
  const interpreter = m[1] as string;
  const arg = m[2]?.trim() || null;
  let envTarget: string | null = null;
  if (arg !== null && /(^|\/)env$/.test(interpreter)) {
    // env's options (-S splits the rest, -i/-u/-P take care of the environment) and VAR=value
    // assignments come before the command.
    const words = arg.split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as string;
      if (w === '-u' || w === '--unset' || w === '-C' || w === '--chdir' || w === '-P') {
        i++;
        continue;
      }
      if (w.startsWith('-') || w.includes('=')) continue;
      envTarget = w;
      break;
    }
  }
  return { interpreter, arg, envTarget };
}
