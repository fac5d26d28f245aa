import path from 'node:path';
import type { Check, Finding } from '../types.js';
import { isStdFdLink } from './symlinks-util.js';
import { finding } from './util.js';

const MAGIC = /^\/proc\/(?:self|thread-self|\d+)(?:\/task\/\d+)?\/(?:root|cwd|exe|fd|map_files)(?:\/|$)/;

export const magicLink: Check = {
  id: 'magic-link',
  severity: 'high',
  title: 'A link to a /proc magic link (root, cwd, exe, fd, map_files)',
  why: 'With /proc reachable, /proc/<pid>/root and friends refer to objects outside the jail (chw00t -3).',
  help: 'Remove the link; only dev/fd and dev/std{in,out,err} to /proc/self/fd are standard.',
  run(ctx) {
    const out: Finding[] = [];
    for (const e of ctx.symlinks) {
      const t = e.target ?? '';
      // Inside the jail a relative target resolves against the link's directory, clamped at '/'.
      const inJail = t.startsWith('/')
        ? path.posix.normalize(t)
        : path.posix.resolve(path.posix.dirname(e.path), t);
      if (!MAGIC.test(inJail)) continue;
      const std = isStdFdLink(e);
      out.push(finding(this, std ? 'info' : 'high', e, `link to ${t}${std ? ' (standard)' : ''}`));
    }
    return out;
  },
};
