import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { Mounts } from './fixture-jail.js';
import { sarifSchema } from './sarif-schema.js';

const GOLDEN = path.join(REPO, 'test/fixtures/audit/small-jail.golden.json');
/** Placement findings depend on where the test tree lives, not on the jail: silenced everywhere. */
const PLACEMENT = [
  '--allow',
  'jail-root-unsafe',
  '--allow',
  'jail-traversable-by-host-users',
  '--allow',
  'jail-on-host-rootfs',
];

describeAsRoot('jailsmith audit (CLI)', () => {
  // Registered first so its removal runs after the unmounting afterAll below (hooks unwind).
  const base = tmpDir('jailsmith-audit-cli-');
  const mounts = new Mounts();
  let small = '';
  let medium = '';

  beforeAll(async () => {
    try {
      // A small jail on its own nosuid,nodev tmpfs, so every finding is the jail's own.
      small = path.join(base, 'small');
      await mounts.mount(['-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev', 'tmpfs'], small);
      for (const d of ['bin', 'etc', 'dev', 'tmp']) mkdirSync(path.join(small, d), { mode: 0o755 });
      chmodSync(path.join(small, 'tmp'), 0o1777);
      writeFileSync(path.join(small, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n');
      copyFileSync('/bin/true', path.join(small, 'bin/su'));
      chmodSync(path.join(small, 'bin/su'), 0o4755);
      await execa('mknod', [path.join(small, 'dev/sda'), 'b', '8', '0']);
      await execa('mknod', [path.join(small, 'dev/null'), 'c', '1', '3']);
      writeFileSync(Buffer.from(`${small}/tmp/caf\xe9`, 'latin1'), '#!/bin/sh\n', { mode: 0o4755 });
      symlinkSync('/proc/self/mounts', path.join(small, 'etc/mtab'));
      // A jail whose worst finding is medium (an unexpected char device).
      medium = path.join(base, 'medium');
      mkdirSync(path.join(medium, 'dev'), { recursive: true, mode: 0o755 });
      chmodSync(medium, 0o755);
      await execa('mknod', [path.join(medium, 'dev/foo'), 'c', '10', '200']);
    } catch (e) {
      await mounts.unmount();
      throw e;
    }
  });
  afterAll(async () => {
    await mounts.unmount();
  });

  it('JSON output matches the golden file', async () => {
    const r = await runCli(['audit', small, '--json', '--fail-on', 'none', ...PLACEMENT]);
    expect(r.exitCode, r.stderr).toBe(0);
    const text = r.stdout.split(small).join('<JAIL>');
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, text);
    expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('--fail-on: 1 at or above the bar, 0 below it; the default bar is high', async () => {
    expect((await runCli(['audit', medium, ...PLACEMENT])).exitCode).toBe(0);
    expect((await runCli(['audit', medium, '--fail-on', 'medium', ...PLACEMENT])).exitCode).toBe(1);
    expect((await runCli(['audit', medium, '--fail-on', 'low', ...PLACEMENT])).exitCode).toBe(1);
    expect((await runCli(['audit', small, ...PLACEMENT])).exitCode).toBe(1);
    expect((await runCli(['audit', small, '--fail-on', 'none', ...PLACEMENT])).exitCode).toBe(0);
    const quiet = await runCli(['audit', small, '-q', ...PLACEMENT]);
    expect([quiet.exitCode, quiet.stdout]).toEqual([1, '']);
    const bad = await runCli(['audit', small, '--fail-on', 'severe']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/^jailsmith: --fail-on must be one of/);
  });

  it('--allow ID:GLOB and the spec audit.allow silence findings and the report counts them', async () => {
    const spec = path.join(base, 'spec.yaml');
    writeFileSync(spec, 'name: small\naudit:\n  allow:\n    - "block-device:/dev/*"\n');
    const r = await runCli([
      'audit',
      small,
      '--json',
      '--spec',
      spec,
      '--allow',
      'passwd-extra-uid0',
      ...PLACEMENT,
    ]);
    const out = JSON.parse(r.stdout);
    expect(out.findings.map((f: { id: string }) => f.id)).not.toContain('block-device');
    expect(out.findings.map((f: { id: string }) => f.id)).not.toContain('passwd-extra-uid0');
    expect(out.summary.silenced).toBeGreaterThanOrEqual(2);
    expect(r.exitCode).toBe(0); // what is left is below high
    const text = await runCli(['audit', small, '--allow', 'block-device', ...PLACEMENT]);
    expect(text.stdout).toMatch(/silenced by allow rules/);
    const unknown = await runCli(['audit', small, '--allow', 'no-such-id']);
    expect(unknown.exitCode).toBe(2);
  });

  it('text output groups by severity with counts and a why per finding', async () => {
    const r = await runCli(['audit', small, ...PLACEMENT]);
    expect(r.stdout).toMatch(/^CRITICAL \(1\)$/m);
    expect(r.stdout).toMatch(/^ {2}block-device {2}\/dev\/sda: block device 8:0$/m);
    expect(r.stdout).toMatch(/^ {6}why: /m);
    expect(r.stdout).toMatch(/\/tmp\/caf\\xe9/);
    expect(r.stderr).toBe(''); // no progress when stderr is not a terminal
  });

  it('SARIF output passes the SARIF 2.1.0 schema check, one rule per id with help', async () => {
    const r = await runCli(['audit', small, '--sarif', '--fail-on', 'none']);
    const sarif = JSON.parse(r.stdout);
    const validate = new Ajv({ allErrors: true, strict: false }).compile(sarifSchema);
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
    const rules = sarif.runs[0].tool.driver.rules as { id: string; help: { text: string } }[];
    expect(new Set(rules.map((x) => x.id)).size).toBe(rules.length);
    expect(rules.every((x) => x.help.text.length > 0)).toBe(true);
    const results = sarif.runs[0].results as {
      ruleId: string;
      ruleIndex: number;
      locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
    }[];
    for (const res of results) expect(rules[res.ruleIndex]?.id).toBe(res.ruleId);
    const uris = results.map((x) => x.locations[0]?.physicalLocation.artifactLocation.uri);
    expect(uris).toContain('dev/sda');
    expect(uris).toContain('tmp/caf%E9');
  });

  it('shows progress on a terminal (entries walked, current dir) and clears it', async () => {
    const jail = path.join(base, 'many');
    mkdirSync(path.join(jail, 'sub'), { recursive: true, mode: 0o755 });
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(jail, 'sub', `f${i}`), '');
    // script(1) gives the command a pseudo-terminal; stdout goes to /dev/null inside it.
    const cmd = `${process.execPath} ${path.join(REPO, 'bin/jailsmith')} audit ${jail} --json --fail-on none > /dev/null`;
    const r = await execa('script', ['-qec', cmd, '/dev/null'], { reject: false });
    expect(String(r.stdout)).toMatch(/\r\u001b\[Kauditing \d+ entries {2}\/sub/);
    expect(String(r.stdout)).toMatch(/\r\u001b\[K$/);
  });

  it('bad input: a missing DIR or a file is exit 2 with one line', async () => {
    for (const arg of [path.join(base, 'nope'), path.join(small, 'etc/passwd')]) {
      const r = await runCli(['audit', arg]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^jailsmith: jail (directory does not exist|is not a directory)/);
    }
    const none = await runCli(['audit']);
    expect(none.exitCode).toBe(2);
  });

  it('an unreadable subdirectory is a warning and the walk goes on', async () => {
    // Root bypasses DAC through cap_dac_override/cap_dac_read_search; drop them from the bounding
    // set so the exec'd audit is root without them, and a 0700 dir of uid 1000 cannot be read.
    const jail = path.join(base, 'unreadable');
    mkdirSync(path.join(jail, 'locked/inner'), { recursive: true, mode: 0o755 });
    mkdirSync(path.join(jail, 'zz-after'), { mode: 0o755 });
    chmodSync(jail, 0o755);
    chmodSync(base, 0o755);
    copyFileSync('/bin/true', path.join(jail, 'zz-after/su'));
    chmodSync(path.join(jail, 'zz-after/su'), 0o4755);
    chownSync(path.join(jail, 'locked'), 1000, 1000);
    chmodSync(path.join(jail, 'locked'), 0o700);
    const r = await execa(
      'setpriv',
      [
        '--bounding-set=-dac_override,-dac_read_search',
        process.execPath,
        path.join(REPO, 'bin/jailsmith'),
        'audit',
        jail,
        '--json',
      ],
      { reject: false },
    );
    const out = JSON.parse(String(r.stdout));
    expect(out.warnings).toContainEqual({
      path: '/locked',
      message: expect.stringMatching(/cannot read directory \(EACCES\)/),
    });
    expect(out.findings).toContainEqual(
      expect.objectContaining({ id: 'setuid-binary', path: '/zz-after/su' }),
    );
    expect(r.exitCode).toBe(1);
  });

  it('--pid probes a process: a leaked host directory fd in a chroot is critical', async () => {
    const jail = path.join(base, 'probe');
    mkdirSync(jail, { mode: 0o755 });
    const { makeMiniJail } = await import('../helpers/mini-jail.js');
    await makeMiniJail(jail, ['/bin/sleep']);
    const fd = openSync(REPO, 'r');
    const child = execa('chroot', [jail, '/bin/sleep', '30'], {
      stdio: ['ignore', 'ignore', 'ignore', fd],
      reject: false,
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // let chroot exec sleep
      const r = await runCli(['audit', '--pid', String(child.pid), '--json']);
      const ids = JSON.parse(r.stdout).findings.map(
        (f: { id: string; severity: string; path: string }) => `${f.id}:${f.severity}:${f.path}`,
      );
      expect(ids).toContain(`proc-fd-outside-root:critical:${REPO}`);
      expect(ids).toContain('proc-uid-root:critical:/');
      expect(ids).toContain('proc-no-new-privs-unset:medium:/');
      expect(ids.some((i: string) => i.startsWith('proc-capabilities:critical'))).toBe(true);
      expect(r.exitCode).toBe(1);
      const sarif = JSON.parse((await runCli(['audit', '--pid', String(child.pid), '--sarif'])).stdout);
      const validate = new Ajv({ allErrors: true, strict: false }).compile(sarifSchema);
      expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true);
      expect(sarif.runs[0].originalUriBaseIds.JAIL.uri).toBe('file:///');
    } finally {
      child.kill();
      await child;
    }
  });

  it('--pid on a confined process: no uid 0, no caps, NoNewPrivs set; unjailed is reported', async () => {
    const child = execa(
      'setpriv',
      [
        '--reuid=1000',
        '--regid=1000',
        '--clear-groups',
        '--no-new-privs',
        '--bounding-set=-all',
        'sleep',
        '30',
      ],
      {
        reject: false,
      },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const r = await runCli(['audit', '--pid', String(child.pid), '--json']);
      const ids = JSON.parse(r.stdout).findings.map((f: { id: string }) => f.id);
      expect(ids).toContain('proc-root-is-host');
      expect(ids).not.toContain('proc-uid-root');
      expect(ids).not.toContain('proc-no-new-privs-unset');
      expect(ids).not.toContain('proc-capabilities');
    } finally {
      child.kill();
      await child;
    }
    const gone = await runCli(['audit', '--pid', '999999999']);
    expect(gone.exitCode).toBe(2);
  });
});
