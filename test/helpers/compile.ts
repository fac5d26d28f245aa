import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Compiles a C source string into `out` with the given compiler and flags; returns `out`. */
export async function compileC(
  source: string,
  out: string,
  flags: string[] = [],
  cc = 'gcc',
): Promise<string> {
  const src = path.join(path.dirname(out), `${path.basename(out)}.c`);
  writeFileSync(src, source);
  await execa(cc, ['-o', out, src, ...flags]);
  return out;
}
