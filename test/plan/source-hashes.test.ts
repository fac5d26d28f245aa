import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceHashes } from '../../src/plan/source-hashes.js';
import { tmpDir } from '../helpers/tmp.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const keyOf = (f: string) => {
  const st = statSync(f, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
};

describe('SourceHashes', () => {
  const dir = tmpDir('jailsmith-hashes-');

  it('hashes what it has not seen, and remembers a file only once it has settled', () => {
    const f = path.join(dir, 'fresh');
    writeFileSync(f, 'hello');
    const h = new SourceHashes();
    expect(h.sha256(f)).toBe(sha('hello'));
    // Written just now: a second write in the same timestamp tick could keep the key (racy).
    expect(h.used.size).toBe(0);
  });

  it('answers from the map while the key matches, and re-reads once the file changes', () => {
    const f = path.join(dir, 'known');
    writeFileSync(f, 'one');
    // Only a matching (dev, ino, size, mtime, ctime) key can give this made-up sum back.
    const h = new SourceHashes(new Map([[keyOf(f), 'remembered']]));
    expect(h.sha256(f)).toBe('remembered');
    expect(h.changed).toBe(false);
    writeFileSync(f, 'two'); // same size and inode, new ctime
    expect(h.sha256(f)).toBe(sha('two'));
  });

  it('stores settled files under their key, and drops what this run did not use', () => {
    const f = '/usr/bin/env'; // installed long ago: its ctime is well past the racy window
    const h = new SourceHashes(new Map([['0:0:0:0:0', 'gone']]));
    const sum = h.sha256(f);
    expect(sum).toBe(createHash('sha256').update(readFileSync(f)).digest('hex'));
    expect([...h.used]).toEqual([[keyOf(f), sum]]);
    expect(h.changed).toBe(true);
    const again = new SourceHashes(h.used);
    expect(again.sha256(f)).toBe(sum);
    expect(again.changed).toBe(false);
  });
});
