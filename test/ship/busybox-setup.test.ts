/**
 * A package's bundle setup.sh on a root whose only tools are busybox's: run twice (the second run
 * replaces the jail), it gives the same jail, creates the missing parent, and leaves nothing beside
 * it. The root gets its own /proc (a private mount namespace), as a real system has one.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestOf } from '../../src/manifest/index.js';
import { runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

const tools = requireTool('busybox') && requireTool('unshare', 'util-linux');

describe.skipIf(!tools)('the bundle setup.sh on a busybox-only root', () => {
  describeAsRoot('twice', () => {
    const t = tmpDir('jailsmith-busybox-');
    const root = path.join(t, 'bb');
    const setup = async () =>
      execa(
        'unshare',
        [
          '-m',
          '-p',
          '-f',
          `--mount-proc=${root}/proc`,
          'chroot',
          root,
          '/bin/sh',
          '/setup.sh',
          '-q',
          '/srv/jail',
        ],
        { reject: false },
      );

    beforeAll(async () => {
      writeFileSync(
        path.join(t, 'bb.yaml'),
        'name: bb\nbinaries: [/bin/busybox]\ndirs: [/tmp, /sbin, /usr/sbin, /root, /proc]\ndevices: [null]\n',
      );
      writeFileSync(
        path.join(t, 'tiny.yaml'),
        'name: tiny\nbinaries: [/bin/sh, /bin/cat]\ndirs: [{path: /tmp, mode: "1777"}]\ndevices: [null]\n',
      );
      for (const args of [
        ['build', path.join(t, 'bb.yaml'), root],
        ['pack', path.join(t, 'tiny.yaml'), '-o', path.join(t, 'tiny.tar.gz')],
      ]) {
        const r = await runCli(args);
        if (r.exitCode !== 0) throw new Error(`${args[0]}: ${r.stderr}`);
      }
      await execa('chroot', [root, '/bin/busybox', '--install', '-s']);
      const script = await execa('tar', ['-xzOf', path.join(t, 'tiny.tar.gz'), '.jailsmith/setup.sh'], {
        encoding: 'buffer',
        stripFinalNewline: false,
      });
      writeFileSync(path.join(root, 'setup.sh'), script.stdout);
      // Only busybox: no GNU tool is reachable inside.
      const which = await execa(
        'chroot',
        [root, '/bin/sh', '-c', 'for t in rm tar sha256sum mkdir stat; do readlink /bin/$t; done'],
        {
          reject: false,
        },
      );
      expect(which.stderr).toBe('');
      expect(which.stdout.split('\n').every((l) => l.endsWith('busybox'))).toBe(true);
    }, 120_000);

    it('creates the missing parent, gives the same jail twice, and leaves nothing behind', async () => {
      const first = await setup();
      expect(first.stderr).toBe('');
      expect(first.exitCode).toBe(0);
      const jail = path.join(root, 'srv/jail');
      const once = manifestOf(jail);
      const second = await setup();
      expect(second.stderr).toBe('');
      expect(second.exitCode).toBe(0);
      expect(manifestOf(jail)).toEqual(once);
      expect(readdirSync(path.join(root, 'srv'))).toEqual(['jail']);
      const sh = await execa('chroot', [jail, '/bin/sh', '-c', 'echo ok']);
      expect(sh.stdout).toBe('ok');
    });
  });
});
