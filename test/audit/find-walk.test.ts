import { linkSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJailLocal } from '../../src/audit/checks/mounts-util.js';
import { readFileCaps } from '../../src/audit/fcaps.js';
import { startCapsReader } from '../../src/audit/fcaps-stream.js';
import { walkWithFind } from '../../src/audit/find-walk.js';
import type { Entry } from '../../src/audit/types.js';
import { type WalkResult, walk } from '../../src/audit/walker.js';
import { isUnder, readMountinfo } from '../../src/sys/index.js';
import { describeAsRoot, isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';
import { Mounts, makeBrokenJail } from './fixture-jail.js';

/** Every field of an entry, bytes as hex, so two walks compare with toEqual. */
function plain(e: Entry) {
  const hex = (b: Buffer | undefined) => b?.toString('hex');
  return {
    path: e.path,
    host: typeof e.host === 'string' ? e.host : `hex:${hex(e.host)}`,
    raw: hex(e.raw),
    type: e.type,
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    dev: e.dev,
    ino: e.ino,
    // A proc root's link count is the number of processes: find is one more.
    nlink: e.mountPoint?.fstype === 'proc' ? 'any' : e.nlink,
    rdev: e.rdev,
    size: e.size,
    target: e.target,
    targetRaw: hex(e.targetRaw),
    inMount: e.inMount,
    nosuid: e.nosuid,
    mountPoint: e.mountPoint?.mountPoint,
    foreign: e.foreign,
  };
}

/** The walker's and find's walks of `jail`, with the mounts under it as auditJail sees them. */
async function bothWalks(jail: string): Promise<[WalkResult, WalkResult]> {
  const mounts = readMountinfo();
  const under = mounts.filter((m) => m.mountPoint !== jail && isUnder(m.mountPoint, jail));
  const local = new Set(under.filter((m) => isJailLocal(m, mounts, jail)));
  const opts = { descend: (m: (typeof under)[number]) => local.has(m) };
  const byWalker = walk(jail, under, false, opts);
  const byFind = await walkWithFind(jail, under, false, opts);
  expect(byFind).toBeDefined();
  return [byWalker, byFind as WalkResult];
}

function expectSameWalk(a: WalkResult, b: WalkResult): void {
  expect(b.entries.map(plain)).toEqual(a.entries.map(plain));
  expect(b.warnings).toEqual(a.warnings);
  expect([...b.linksSeen].sort()).toEqual([...a.linksSeen].sort());
  expect(b.root.path).toBe('/');
}

describe.skipIf(!requireTool('find', 'findutils'))('the find walk', () => {
  it('is the walker’s walk on odd names: newlines, invalid UTF-8, escapes, byte order', async () => {
    const jail = realpathSync(tmpDir('jailsmith-find-walk-'));
    const at = (...p: (string | Buffer)[]) =>
      Buffer.concat([Buffer.from(jail), ...p.map((x) => Buffer.concat([Buffer.from('/'), Buffer.from(x)]))]);
    const odd = [
      'new\nline',
      'tab\there',
      'back\\slash',
      ' lead space',
      'trail space ',
      'caf\u00e9',
      '\u202egpj.exe', // a bidi override, escaped in paths
      '\ufffd', // EF BF BD: before the next in byte order, after it in UTF-16 code units
      '\u{1f600}', // F0 9F 98 80
      'Z',
      'a',
      '-not-an-option',
      '*?[glob]',
    ];
    mkdirSync(at('d', 'sub'), { recursive: true });
    for (const n of odd) writeFileSync(at('d', n), 'x');
    const bad = Buffer.from([0x6f, 0x64, 0x64, 0xfe, 0x0a, 0xff]); // invalid UTF-8 and a newline
    mkdirSync(at(bad));
    writeFileSync(at(bad, 'inside'), '');
    mkdirSync(at(bad, Buffer.from('deeper\n')));
    writeFileSync(at(bad, Buffer.from('deeper\n'), 'f'), '', { mode: 0o4755 });
    symlinkSync(Buffer.from([0x2f, 0x74, 0xfe, 0x0a]), at('d', 'odd-target'));
    symlinkSync('loop2', at('loop1'));
    symlinkSync('loop1', at('loop2'));
    linkSync(at('d', 'a'), at('d', 'sub', 'a-link'));
    mkdirSync(at('empty'));
    await execa('mkfifo', [path.join(jail, 'fifo')]);
    if (isRoot) await execa('mknod', [path.join(jail, 'null'), 'c', '1', '3']); // rdev: find has no %r
    const [a, b] = await bothWalks(jail);
    expectSameWalk(a, b);
    const paths = b.entries.map((e) => e.path);
    expect(paths).toContain('/d/new\\x0aline');
    expect(paths).toContain('/odd\\xfe\\x0a\\xff/deeper\\x0a/f');
    expect(paths.indexOf('/d/\ufffd')).toBeLessThan(paths.indexOf('/d/\u{1f600}'));
    if (isRoot) expect(b.entries.find((e) => e.path === '/null')?.rdev).toBe(0x103n);
  });
});

describeAsRoot('the find walk on the broken jail fixture (mounts, sockets, caps)', () => {
  const base = tmpDir('jailsmith-find-walk-mounts-');
  const mounts = new Mounts();
  let jail = '';
  beforeAll(async () => {
    try {
      jail = realpathSync(await makeBrokenJail(base, mounts));
    } catch (e) {
      await mounts.unmount();
      throw e;
    }
  });
  afterAll(async () => {
    await mounts.unmount();
  });

  it('lists the same entries in the same order, foreign mounts not entered', async () => {
    const [a, b] = await bothWalks(jail);
    expectSameWalk(a, b);
    expect(b.entries.some((e) => e.foreign)).toBe(true);
    expect(b.entries.some((e) => e.inMount)).toBe(true);
  });

  it.skipIf(!requireTool('getfattr', 'attr') || !requireTool('perl', 'perl-base'))(
    'reads the same file capabilities through perl as getfattr does',
    async () => {
      const mountsNow = readMountinfo();
      const under = mountsNow.filter((m) => m.mountPoint !== jail && isUnder(m.mountPoint, jail));
      const local = new Set(under.filter((m) => isJailLocal(m, mountsNow, jail)));
      const reader = startCapsReader(jail);
      expect(reader).toBeDefined();
      const walked = await walkWithFind(jail, under, false, {
        descend: (m) => local.has(m),
        files: reader as NonNullable<typeof reader>,
      });
      const byPath = new Map(walked?.entries.map((e) => [e.path, e]));
      const lookup = (p: string) => byPath.get(p);
      const viaPerl = await reader?.finish(lookup);
      const viaGetfattr = await readFileCaps(walked?.entries ?? [], jail, lookup);
      expect(viaPerl?.error).toBeUndefined();
      expect(viaPerl?.caps.size).toBeGreaterThan(0);
      expect([...(viaPerl?.caps ?? [])].sort()).toEqual([...viaGetfattr.caps].sort());
    },
  );

  it.skipIf(!requireTool('perl', 'perl-base'))(
    'a perl reader that fails (a wrong syscall number) answers undefined: the audit asks getfattr',
    async () => {
      const reader = startCapsReader(jail, 100_000);
      const name = Buffer.from('./bin/su');
      reader?.add(name, 0, name.length);
      expect(await reader?.finish(() => undefined)).toBeUndefined();
    },
  );
});
