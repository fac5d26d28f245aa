import { octalMode } from '../../sys/index.js';
import type { Check, Finding } from '../types.js';
import { finding, isSystemFile } from './util.js';

export const systemFileWritableByUser: Check = {
  id: 'system-file-writable-by-user',
  severity: 'high',
  title: 'A file in a system directory is not root-owned or is group/other-writable',
  why: 'The jail user can trojan a binary or library that root-run jail processes or host tools execute.',
  help: 'chown root:root and chmod go-w the file.',
  run(ctx) {
    const out: Finding[] = [];
    for (const f of ctx.files) {
      // The owner and mode first: they rule out nearly every file without a path test.
      if ((f.uid === 0 && (f.mode & 0o022) === 0) || !isSystemFile(f.path)) continue;
      const bad: string[] = [];
      if (f.uid !== 0) bad.push(`owned by uid ${f.uid}`);
      if (f.mode & 0o022) bad.push(`mode ${octalMode(f.mode)} is group/other-writable`);
      if (bad.length > 0) out.push(finding(this, 'high', f, `system file ${bad.join(', ')}`));
    }
    return out;
  },
};
