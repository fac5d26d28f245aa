import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, expect, test } from 'vitest';
import { manifestOf } from '../../src/manifest/index.js';
import type { JailPlan, PlanEntry } from '../../src/plan/types.js';
import { renderScript } from '../../src/script/index.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { expectedFacts, facts } from './compare.js';
import { dir, hostilePlan } from './plans.js';

/** A file entry whose content is never read at render time (a FIFO here). */
function fileEntryFor(p: string, source: string): PlanEntry {
  return { type: 'file', path: p, source, sha256: '0'.repeat(64), size: 0, mode: 0o644, uid: 0, gid: 0 };
}

async function sh(script: string, args: string[], cwd: string, user?: number) {
  // Another user cannot read a file in a 0700 temp dir: the script then comes on stdin.
  const r =
    user === undefined
      ? await execa('sh', [script, ...args], { cwd, reject: false })
      : await execa(
          'setpriv',
          ['--reuid', String(user), '--regid', String(user), '--clear-groups', 'sh', '-s', '--', ...args],
          { cwd: '/', reject: false, inputFile: script },
        );
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

describeAsRoot('host-mode script on a real root', () => {
  const work = tmpDir('jailsmith-script-host-');
  const src = path.join(work, 'src');
  const cwd = path.join(work, 'cwd');
  const canary = 'pwned';
  let plan: JailPlan;
  let script: string;

  beforeAll(async () => {
    mkdirSync(src);
    mkdirSync(cwd);
    plan = await hostilePlan(src, canary);
    script = path.join(work, 'setup.sh');
    writeFileSync(script, renderScript(plan, { mode: 'host' }));
  });

  test('the jail equals the plan, works, and no hostile name ran anything', async () => {
    const target = path.join(work, 'jail');
    const r = await sh(script, [target], cwd);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('copy /bin/sh');
    expect(facts(manifestOf(target))).toEqual(expectedFacts(plan));
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(homedir()).filter((n) => n.startsWith(canary))).toEqual([]);
    expect(readdirSync(work).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
    const run = await execa('chroot', [target, '/bin/sh', '-c', 'echo inside'], { reject: false });
    expect(run.stdout).toBe('inside');
    expect(readFileSync(path.join(target, 'etc/motd'), 'utf8')).toBe(
      "it's $HOME `id` $(id) ; no newline at end",
    );
  });

  test('running it twice gives the same jail and keeps user data', async () => {
    const target = path.join(work, 'twice');
    expect((await sh(script, ['-q', target], cwd)).code).toBe(0);
    const first = manifestOf(target);
    writeFileSync(path.join(target, 'home/jail/notes.txt'), 'mine\n');
    writeFileSync(path.join(target, 'etc/stray'), 'not planned\n');
    const r = await sh(script, ['-q', target], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(readFileSync(path.join(target, 'home/jail/notes.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(path.join(target, 'etc/stray'))).toBe(false);
    const second = manifestOf(target).entries.filter((e) => e.path !== '/home/jail/notes.txt');
    expect(facts({ entries: second })).toEqual(facts(first));
  });

  test('a preserved dir reached through a symlink in the old jail is not carried', async () => {
    const target = path.join(work, 'planted');
    const outside = path.join(work, 'outside');
    mkdirSync(path.join(outside, 'jail'), { recursive: true });
    writeFileSync(path.join(outside, 'jail/secret'), 'host data\n');
    mkdirSync(target);
    symlinkSync(outside, path.join(target, 'home'));
    const r = await sh(script, [target], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toContain('not kept');
    expect(readdirSync(path.join(target, 'home/jail'))).toEqual([]);
    expect(readFileSync(path.join(outside, 'jail/secret'), 'utf8')).toBe('host data\n');
  });

  // Files of one directory are copied and checked in batches: a mismatch after names that
  // sha256sum escapes (newline, backslash) must still name the right file.
  for (const name of ['with space', 'line\ntouch pwned-newline', '\\backslash', '*']) {
    test(`a source that differs from the plan stops it, naming it: ${JSON.stringify(name)}`, async () => {
      const victim = path.join(src, name);
      const saved = readFileSync(victim);
      appendFileSync(victim, 'changed\n');
      try {
        const target = path.join(work, 'mismatch');
        const r = await sh(script, [target], cwd);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`sha256 of ${victim} differs from the plan`);
        expect(existsSync(target)).toBe(false);
        expect(readdirSync(work).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
        expect((await sh(script, ['-q', '--no-verify', target], cwd)).code).toBe(0);
        expect(readFileSync(path.join(target, 'data', name), 'utf8')).toContain('changed');
        rmSync(target, { recursive: true });
      } finally {
        writeFileSync(victim, saved);
      }
    });
  }

  test('user data under a directory others can write is not moved: refused before anything is written', async () => {
    const target = path.join(work, 'open-home');
    expect((await sh(script, ['-q', target], cwd)).code).toBe(0);
    chmodSync(path.join(target, 'home'), 0o777);
    writeFileSync(path.join(target, 'home/jail/mine'), 'data\n');
    const r = await sh(script, ['-q', target], cwd);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot keep \/home\/jail: .*\/home in the existing jail is writable by others/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(readFileSync(path.join(target, 'home/jail/mine'), 'utf8')).toBe('data\n');
    expect(statSync(path.join(target, 'home')).mode & 0o777).toBe(0o777);
    expect(readdirSync(work).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
  });

  test('an old jail with a mount inside is refused before anything moves; the mounted data survives', async () => {
    const target = path.join(work, 'mounted jail\\x');
    expect((await sh(script, ['-q', target], cwd)).code).toBe(0);
    const outside = path.join(work, 'bound data');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'keep'), 'mounted data\n');
    const mnt = path.join(target, 'data', 'd with space');
    await execa('mount', ['--bind', outside, mnt]);
    try {
      const r = await sh(script, ['-q', target], cwd);
      expect(r.code).toBe(1);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/holds a mount/);
      expect(readFileSync(path.join(mnt, 'keep'), 'utf8')).toBe('mounted data\n');
      expect(readdirSync(work).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
    } finally {
      await execa('umount', [mnt]);
    }
    expect(readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('mounted data\n');
  });

  test('interrupted while copying: the staging dir goes, the old jail stays as it was', async () => {
    const target = path.join(work, 'interrupted');
    expect((await sh(script, ['-q', target], cwd)).code).toBe(0);
    const before = facts(manifestOf(target));
    // A source that is a FIFO holds cp until the test opens the other end: a deterministic "mid-run".
    const fifo = path.join(work, 'pipe');
    await execa('mkfifo', [fifo]);
    const slow: JailPlan = {
      ...plan,
      entries: [...plan.entries, dir('/slow'), fileEntryFor('/slow/pipe', fifo)],
    };
    const slowScript = path.join(work, 'slow.sh');
    writeFileSync(slowScript, renderScript(slow, { mode: 'host' }));
    const child = execa('sh', [slowScript, '-q', target], { cwd, reject: false, detached: true });
    const fd = await open(fifo, 'w');
    process.kill(-(child.pid as number), 'SIGTERM');
    await fd.close();
    const r = await child;
    expect(r.exitCode).not.toBe(0);
    expect(facts(manifestOf(target))).toEqual(before);
    expect(readdirSync(work).filter((n) => n.startsWith('.jailsmith'))).toEqual([]);
  });

  test('bad input: one line, non-zero, nothing written', async () => {
    const file = path.join(work, 'a-file');
    writeFileSync(file, 'x');
    const link = path.join(work, 'a-link');
    symlinkSync(path.join(work, 'jail'), link);
    const before = readdirSync(work).sort();
    const cases: [string[], number | undefined, RegExp][] = [
      [[], undefined, /name one TARGET_DIR/],
      [[file], undefined, /not a directory/],
      [[link], undefined, /symlink/],
      [['--bogus', path.join(work, 'new')], undefined, /unknown option/],
      [[path.join(work, 'new')], 65534, /must run as root/],
    ];
    for (const [args, user, message] of cases) {
      const r = await sh(script, args, cwd, user);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    }
    expect(readFileSync(file, 'utf8')).toBe('x');
    expect(readdirSync(work).sort()).toEqual(before);
  });
});
