import { statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlan } from '../../src/plan/create-plan.js';
import type { JailPlan, PlanEntry } from '../../src/plan/types.js';
import { loadSpec, parseSpec } from '../../src/spec/load.js';
import { profileNames } from '../../src/spec/profile-names.js';
import { REPO } from '../helpers/cli.js';

const jail = (name: string) => path.join(REPO, 'jails', `${name}.yaml`);

function byPath(plan: JailPlan): Map<string, PlanEntry> {
  return new Map(plan.entries.map((e) => [e.path, e]));
}

describe('plans over this machine (the host as source root, the real resolver)', () => {
  let python: JailPlan;
  beforeAll(async () => {
    python = await createPlan(await loadSpec(jail('python')));
  });

  it.each(['shell', 'compute', 'sftp'])('jails/%s.yaml plans without errors', async (name) => {
    const plan = await createPlan(await loadSpec(jail(name)));
    expect(plan.name).toBe(name);
    expect(plan.entries.some((e) => e.path === '/etc/passwd' && e.type === 'generated')).toBe(true);
  });

  it("tzdata brings the zones, not the host's own /etc/localtime (through zoneinfo/localtime)", () => {
    const m = byPath(python);
    expect(m.get('/usr/share/zoneinfo/Europe/Paris')).toBeDefined();
    expect(m.has('/etc/localtime')).toBe(false);
    expect(m.has('/usr/share/zoneinfo/localtime')).toBe(false);
  });

  it('python: the interpreter and its closure, the stdlib without tests or caches', () => {
    const m = byPath(python);
    expect(m.get('/usr/bin/python3')?.type).toBe('symlink');
    const real =
      m.get('/usr/bin/python3')?.type === 'symlink'
        ? (m.get('/usr/bin/python3') as { target: string }).target
        : '';
    // A symlink entering the jail brings its target.
    expect(m.get(`/usr/bin/${real}`)?.type).toBe('file');
    for (const mod of [
      'json/__init__.py',
      'ssl.py',
      'sqlite3/__init__.py',
      'ctypes/__init__.py',
      'decimal.py',
      'hashlib.py',
    ]) {
      expect(
        python.entries.some((e) => e.path.endsWith(`/${mod}`) && e.path.startsWith('/usr/lib/python3.')),
        mod,
      ).toBe(true);
    }
    expect(python.entries.some((e) => e.path.includes('/__pycache__'))).toBe(false);
    expect(python.entries.some((e) => /^\/usr\/lib\/python3\.\d+\/test\//.test(e.path))).toBe(false);
    expect(python.entries.some((e) => /\/lib-dynload\/_ssl\./.test(e.path))).toBe(true);
    // The loader and libc come through the closure, whichever directory holds them.
    expect(python.entries.some((e) => /\/ld-linux[^/]*\.so\.2$/.test(e.path) && e.type === 'file')).toBe(
      true,
    );
    expect(python.entries.some((e) => /\/libc\.so\.6$/.test(e.path) && e.type === 'file')).toBe(true);
  });

  it('python: extension modules in the stdlib tree bring their own libraries', () => {
    // Only the modules' closures name these: the interpreter itself links none of them.
    for (const lib of ['libssl.so.3', 'libcrypto.so.3', 'libsqlite3.so.0', 'libffi.so.8']) {
      expect(
        python.entries.some((e) => path.posix.basename(e.path).startsWith(lib) && e.type === 'file'),
        lib,
      ).toBe(true);
    }
  });

  it('python: the CA bundle and the OpenSSL directory links are there', () => {
    const m = byPath(python);
    const bundle = m.get('/etc/ssl/certs/ca-certificates.crt');
    expect(bundle?.type).toBe('file');
    if (bundle?.type === 'file') {
      expect(bundle.size).toBe(statSync('/etc/ssl/certs/ca-certificates.crt').size);
      expect(bundle.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(m.get('/usr/lib/ssl/certs')).toMatchObject({ type: 'symlink', target: '/etc/ssl/certs' });
  });

  it('python: generated accounts carry no host lines', () => {
    const passwd = byPath(python).get('/etc/passwd');
    expect(passwd?.type).toBe('generated');
    const text = passwd?.type === 'generated' ? passwd.content : '';
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => l.split(':')[0]),
    ).toEqual(['root', 'app']);
    expect(byPath(python).get('/home/app')).toMatchObject({
      type: 'dir',
      uid: 1000,
      gid: 1000,
      preserve: true,
    });
  });

  it('every shipped profile plans on this machine, and nsswitch.conf follows the profiles', async () => {
    const names = profileNames();
    expect(names).toEqual(
      expect.arrayContaining([
        'nss-files',
        'nss-dns',
        'ca-certificates',
        'tzdata',
        'terminfo',
        'locale-c-utf8',
        'gconv',
        'python3',
      ]),
    );
    const plan = await createPlan(await parseSpec(`profiles: [${names.join(', ')}]\n`));
    const m = byPath(plan);
    const ns = m.get('/etc/nsswitch.conf');
    const text = ns?.type === 'generated' ? ns.content : '';
    expect(text).toMatch(/^passwd: +files$/m);
    expect(text).toMatch(/^hosts: +files dns$/m);
    expect(plan.entries.some((e) => /\/libnss_dns\.so\.2$/.test(e.path))).toBe(true);
    expect(plan.entries.some((e) => /\/gconv\/gconv-modules/.test(e.path))).toBe(true);
    expect(plan.entries.some((e) => /\/zoneinfo\/Europe\/Paris$/.test(e.path))).toBe(true);
    expect(plan.entries.some((e) => /\/locale\/C\.(utf8|UTF-8)\/LC_CTYPE$/.test(e.path))).toBe(true);
    expect(plan.entries.some((e) => /terminfo\/x\/xterm$/.test(e.path))).toBe(true);
  });

  it('setuid bits of host binaries are stripped unless kept', async () => {
    const su = ['/usr/bin/su', '/usr/bin/passwd', '/usr/bin/mount'].find((p) => {
      try {
        return (statSync(p).mode & 0o4000) !== 0;
      } catch {
        return false;
      }
    });
    expect(su, 'a setuid binary on this host').toBeDefined();
    const plain = byPath(await createPlan(await parseSpec(`binaries: [${su}]\n`)));
    expect((plain.get(su as string)?.mode ?? 0) & 0o6000).toBe(0);
    const kept = byPath(await createPlan(await parseSpec(`binaries: [${su}]\nkeep_setuid: ["${su}"]\n`)));
    expect((kept.get(su as string)?.mode ?? 0) & 0o4000).toBe(0o4000);
  });

  it('every entry is sorted, unique and has its parent planned as a directory', () => {
    const paths = python.entries.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    const m = byPath(python);
    for (const p of paths) {
      if (p === '/') continue;
      expect(m.get(path.posix.dirname(p))?.type, p).toBe('dir');
    }
  });
});
