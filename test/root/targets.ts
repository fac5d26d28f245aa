import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers/tmp.js';

export interface Target {
  /** A fresh root-owned 0755 directory for one test. */
  t: string;
  /** Where the jail goes (absent until built). */
  jail: string;
  /** Where the test puts the plan's source files. */
  src: string;
  /** Staging or old trees left beside the jail (the state, policy and plan records are expected). */
  leftovers: () => string[];
}

/** A factory of per-test directories under one suite temp dir; call next() in beforeEach. */
export function targets(prefix = 'jailsmith-build-'): { next: () => Target } {
  const base = tmpDir(prefix);
  let n = 0;
  return {
    next: () => {
      const t = path.join(base, String(n++));
      mkdirSync(t, { mode: 0o755 });
      const leftovers = () =>
        readdirSync(t).filter(
          (x) =>
            x.includes('.jailsmith-') &&
            !x.endsWith('state.json') &&
            !x.endsWith('policy.json') &&
            !x.endsWith('plan.json'),
        );
      return { t, jail: path.join(t, 'jail'), src: path.join(t, 'src'), leftovers };
    },
  };
}
