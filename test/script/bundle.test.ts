import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { beforeAll, expect, test } from 'vitest';
import { manifestOf } from '../../src/manifest/index.js';
import type { JailPlan } from '../../src/plan/types.js';
import { writeBundle } from '../../src/script/index.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { expectedFacts, facts } from './compare.js';
import { hostilePlan } from './plans.js';

const SHELLCHECK = requireTool('shellcheck');

/** What the bundle needs on the client: a shell and a handful of common tools, nothing else. */
const TOOLS = [
  'id',
  'stat',
  'mkdir',
  'cp',
  'ln',
  'mknod',
  'chown',
  'chmod',
  'mv',
  'rm',
  'sha256sum',
  'tar',
  'gzip',
  'head',
  'tail',
  'wc',
];

describeAsRoot('bundle mode', () => {
  const work = tmpDir('jailsmith-script-bundle-');
  const src = path.join(work, 'src');
  const client = path.join(work, 'client');
  let plan: JailPlan;
  let bundle: string;

  beforeAll(async () => {
    mkdirSync(src);
    plan = await hostilePlan(src, 'pwned');
    bundle = path.join(work, 'jail.bundle.sh');
    await writeBundle(plan, bundle);
    const tools = await Promise.all(
      TOOLS.map(async (t) => (await execa('sh', ['-c', `command -v ${t}`])).stdout),
    );
    await makeMiniJail(client, ['/bin/sh', ...tools]);
    // Every client has /dev/null; the mini jail does not.
    mkdirSync(path.join(client, 'dev'));
    await execa('mknod', ['-m', '0666', path.join(client, 'dev/null'), 'c', '1', '3']);
  });

  test('same plan and files, same bytes', async () => {
    const again = path.join(work, 'again.sh');
    const r = await writeBundle(plan, again);
    expect(readFileSync(again).equals(readFileSync(bundle))).toBe(true);
    expect(r.bytes).toBe(statSync(bundle).size);
    expect(r.blobs).toBe(new Set(plan.entries.flatMap((e) => (e.type === 'file' ? [e.sha256] : []))).size);
  });

  // Skipped outside CI when shellcheck is missing (requireTool says why); in CI the file fails.
  test.skipIf(!SHELLCHECK)('the script part passes shellcheck', async () => {
    const text = readFileSync(bundle);
    const end = text.indexOf('\n__JAILSMITH_PAYLOAD__\n') + '\n__JAILSMITH_PAYLOAD__\n'.length;
    const sc = await execa('shellcheck', ['-s', 'sh', '-S', 'warning', '-'], {
      input: text.subarray(0, end),
      reject: false,
    });
    // 0 is clean; 1 is findings; anything else (126, 127, a crash) is shellcheck not running at all.
    expect(sc.exitCode, `${sc.stdout}${sc.stderr}`).toBe(0);
    expect(sc.stdout).toBe('');
  });

  test('installs in a chroot that holds none of the source files, equal to the plan', async () => {
    for (const e of plan.entries)
      if (e.type === 'file') expect(existsSync(path.join(client, e.source))).toBe(false);
    copyFileSync(bundle, path.join(client, 'bundle.sh'));
    const r = await execa('chroot', [client, '/bin/sh', '/bundle.sh', '-q', '/jail'], {
      reject: false,
      cwd: client,
    });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(facts(manifestOf(path.join(client, 'jail')))).toEqual(expectedFacts(plan));
    expect(readdirSync(client).filter((n) => n.includes('pwned') || n.startsWith('.jailsmith'))).toEqual([]);
    const again = await execa('chroot', [client, '/bin/sh', '/bundle.sh', '-q', '/jail'], { reject: false });
    expect(again.exitCode).toBe(0);
    expect(facts(manifestOf(path.join(client, 'jail')))).toEqual(expectedFacts(plan));
  });

  test('one flipped byte anywhere is refused before anything is written', async () => {
    const data = readFileSync(bundle);
    const marker = data.indexOf('\n__JAILSMITH_PAYLOAD__\n');
    const comment = data.indexOf('# Usage');
    const places: [string, number][] = [
      ['payload start', marker + 30],
      ['payload middle', Math.floor((marker + data.length) / 2)],
      ['a comment in the script', comment + 3],
      ['the check line', data.length - 10],
    ];
    for (const [where, at] of places) {
      const bad = Buffer.from(data);
      bad[at] = (bad[at] as number) ^ 0x01;
      writeFileSync(path.join(client, 'bad.sh'), bad);
      const r = await execa('chroot', [client, '/bin/sh', '/bad.sh', '/jail-bad'], { reject: false });
      expect(r.exitCode, where).toBe(1);
      expect(r.stderr.trimEnd().split('\n'), where).toHaveLength(1);
      expect(r.stderr, where).toMatch(/bundle is damaged/);
      expect(existsSync(path.join(client, 'jail-bad')), where).toBe(false);
      expect(
        readdirSync(client).filter((n) => n.startsWith('.jailsmith')),
        where,
      ).toEqual([]);
    }
  });

  test('a blob that does not match its name is refused even when the payload checksums were redone', async () => {
    // What a careless re-packer would make: one blob changed, payload and script checksums recomputed.
    const data = readFileSync(bundle);
    const text = data.toString('latin1');
    const offset = Number(/^bundle_offset=(\d+)/m.exec(text)?.[1]);
    const size = Number(/^bundle_size=(\d+)/m.exec(text)?.[1]);
    const tar = gunzipSync(data.subarray(offset, offset + size));
    tar[512] = (tar[512] as number) ^ 0x01; // first byte of the first blob's content
    const payload = gzipSync(tar);
    const field = (name: string, value: string | number) => (t: string) =>
      t.replace(
        new RegExp(`^${name}=.*$`, 'm'),
        (line) => `${name}=${String(value).padEnd(line.length - name.length - 1)}`,
      );
    let script = text.slice(0, offset);
    script = field('bundle_size', payload.length)(script);
    script = field('bundle_sha256', createHash('sha256').update(payload).digest('hex'))(script);
    const head = Buffer.from(script, 'latin1');
    const check = `${createHash('sha256').update(head).digest('hex')}\n`;
    writeFileSync(path.join(client, 'repacked.sh'), Buffer.concat([head, payload, Buffer.from(check)]));
    const r = await execa('chroot', [client, '/bin/sh', '/repacked.sh', '-q', '/jail-repacked'], {
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^jailsmith-setup: bundle is damaged: blob [0-9a-f]{64} does not match its sha256$/,
    );
    expect(existsSync(path.join(client, 'jail-repacked'))).toBe(false);
    expect(readdirSync(client).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
  });

  test('a source that changed since the plan stops writeBundle and leaves no file', async () => {
    const victim = plan.entries.find((e) => e.type === 'file' && e.path.startsWith('/data/'));
    if (victim?.type !== 'file') throw new Error('no data file in the plan');
    const saved = readFileSync(victim.source);
    writeFileSync(victim.source, 'tampered\n');
    try {
      const out = path.join(work, 'stale.sh');
      await expect(writeBundle(plan, out)).rejects.toThrow(/differs from the plan/);
      expect(readdirSync(work).filter((n) => n.startsWith('stale.sh'))).toEqual([]);
    } finally {
      writeFileSync(victim.source, saved);
    }
  });
});
