import { realpathSync } from 'node:fs';
import { execa } from 'execa';

/** What the real loader reported: found objects (realpaths, vdso left out) and names not found. */
export interface LoaderAnswer {
  found: Set<string>;
  notFound: string[];
}

/** Parses ldd / LD_TRACE_LOADED_OBJECTS / `ld.so --list` output. `realRoot` maps in-root paths to host. */
export function parseTrace(out: string, toHost: (p: string) => string = (p) => p): LoaderAnswer {
  const found = new Set<string>();
  const notFound: string[] = [];
  for (const line of out.split('\n')) {
    const nf = /^\s*(\S+) => not found/.exec(line);
    if (nf) {
      notFound.push(nf[1] as string);
      continue;
    }
    const m = /^\s*(?:\S+ => )?(\/\S*)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) found.add(realpathSync(toHost(m[1] as string)));
  }
  return { found, notFound: notFound.sort() };
}

/** Runs a glibc program with LD_TRACE_LOADED_OBJECTS=1: the kernel execs it, the loader lists. */
export async function traceGlibc(prog: string): Promise<LoaderAnswer> {
  const r = await execa(prog, [], { env: { LD_TRACE_LOADED_OBJECTS: '1' }, extendEnv: false, reject: false });
  return parseTrace(r.stdout);
}

/** The set of realpaths of a resolver closure, resolved on the host under `root`. */
export function realSet(paths: string[], root = ''): Set<string> {
  return new Set(paths.map((p) => realpathSync(root + p)));
}
