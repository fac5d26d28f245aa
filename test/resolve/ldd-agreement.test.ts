import { readdirSync, realpathSync, statSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../src/elf/read-file.js';
import { runCli } from '../helpers/cli.js';
import { parseTrace } from './loader.js';

/** Every dynamically linked ELF executable in /usr/bin and /usr/sbin (links to them included). */
function dynamicPrograms(): string[] {
  const out: string[] = [];
  for (const dir of ['/usr/bin', '/usr/sbin'])
    for (const name of readdirSync(dir).sort()) {
      const p = `${dir}/${name}`;
      try {
        if (statSync(p).isFile() && readElf(p).interpreter !== null) out.push(p);
      } catch {
        // Not ELF, unreadable or malformed: not a dynamically linked executable.
      }
    }
  return out;
}

/** Runs fn over items with at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

describe('deps --json agrees with ldd on this machine', () => {
  it('on every dynamically linked program in /usr/bin and /usr/sbin', async () => {
    const files = dynamicPrograms();
    expect(files.length).toBeGreaterThan(100);
    const r = await runCli(['deps', '--json', ...files]);
    expect([0, 1]).toContain(r.exitCode);
    const ours = JSON.parse(r.stdout) as Record<string, { closure: string[]; missing: string[] }>;
    // ldd runs the loader on the name it is given, so for a symlinked program $ORIGIN would come
    // from the link; the kernel hands the loader the real path. Ask ldd about the real path.
    const answers = await pool(files, 3, async (f) => {
      const l = await execa('ldd', [realpathSync(f)], { reject: false });
      return parseTrace(l.stdout);
    });
    const disagreements: string[] = [];
    files.forEach((f, i) => {
      const d = ours[f];
      const ldd = answers[i];
      if (!d || !ldd) {
        disagreements.push(`${f}: no answer`);
        return;
      }
      const mine = [...new Set(d.closure.map((p) => realpathSync(p)))].sort().join(' ');
      const theirs = [...ldd.found].sort().join(' ');
      if (mine !== theirs || d.missing.join(' ') !== ldd.notFound.join(' '))
        disagreements.push(
          `${f}:\n  ours ${mine} missing ${d.missing}\n  ldd  ${theirs} missing ${ldd.notFound}`,
        );
    });
    expect(disagreements).toEqual([]);
  }, 300_000);
});
