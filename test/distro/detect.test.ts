import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDistro, loadProfiles, parseOsRelease, pickProfile } from '../../src/distro/index.js';
import { ResolveError } from '../../src/errors.js';
import { SourceRoot } from '../../src/resolve/source-root.js';
import { tmpDir } from '../helpers/tmp.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

function fakeRoot(dir: string, osRelease: string | null, where = 'etc/os-release'): SourceRoot {
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  mkdirSync(path.join(dir, 'usr/lib'), { recursive: true });
  if (osRelease !== null) writeFileSync(path.join(dir, where), osRelease);
  return new SourceRoot(dir);
}

describe('os-release', () => {
  it('reads quoted values and ID_LIKE lists', () => {
    const r = parseOsRelease(
      '# c\nID=ubuntu\nID_LIKE="debian"\nPRETTY_NAME="Ubuntu \\"24\\""\nVERSION_ID=\'24.04\'\n',
    );
    expect(r.id).toBe('ubuntu');
    expect(r.idLike).toEqual(['debian']);
    expect(r.prettyName).toBe('Ubuntu "24"');
    expect(r.versionId).toBe('24.04');
  });
});

describe('profiles', () => {
  it('has one file per distro family and each loads', () => {
    const ids = [...loadProfiles().keys()];
    expect(ids).toEqual(expect.arrayContaining(['alpine', 'arch', 'debian', 'fedora', 'generic']));
  });
  it('maps ID_LIKE to the family profile', () => {
    expect(pickProfile('ubuntu', ['debian']).id).toBe('debian');
    expect(pickProfile('rocky', ['rhel', 'centos', 'fedora']).id).toBe('fedora');
    expect(pickProfile('somethingnew', ['rhel']).id).toBe('fedora');
    expect(pickProfile('manjaro', ['arch']).id).toBe('arch');
    expect(pickProfile(null, []).id).toBe('generic');
  });
});

describe('detectDistro', () => {
  it('detects the host with its multiarch triplet', () => {
    const d = detectDistro(new SourceRoot('/'));
    expect(d.osRelease.id).not.toBeNull();
    expect(d.arch).toBe(process.arch === 'x64' ? 'x86_64' : d.arch);
    if (d.profile.id === 'debian' && d.arch === 'x86_64') {
      expect(d.triplet).toBe('x86_64-linux-gnu');
      expect(d.profile.libDirs).toContain('/usr/lib/x86_64-linux-gnu');
    }
  });
  it('detects Alpine from the fixture and reads its arch file', () => {
    const d = detectDistro(new SourceRoot(path.join(FIXTURES, 'alpine-root')));
    expect(d.profile.id).toBe('alpine');
    expect(d.arch).toBe('x86_64');
    expect(d.profile.nss.modules).toEqual([]);
  });
  it('detects Arch from the fixture', () => {
    const d = detectDistro(new SourceRoot(path.join(FIXTURES, 'arch-root')));
    expect(d.profile.id).toBe('arch');
    expect(d.profile.packageDb).toBe('pacman');
  });
  it('falls back to /usr/lib/os-release and maps ubuntu to debian', () => {
    const d = detectDistro(fakeRoot(tmpDir(), 'ID=ubuntu\nID_LIKE=debian\n', 'usr/lib/os-release'));
    expect(d.osReleasePath).toBe('/usr/lib/os-release');
    expect(d.profile.id).toBe('debian');
  });
  it('reads the architecture of a cross sysroot from its loader', () => {
    const d = detectDistro(new SourceRoot('/usr/aarch64-linux-gnu'));
    expect(d.arch).toBe('aarch64');
    expect(d.profile.id).toBe('generic');
    expect(d.profile.libDirs).toContain('/lib/aarch64-linux-gnu');
  });
  it('refuses a missing root and a directory that is not a root', () => {
    const missing = path.join(tmpDir(), 'nope');
    expect(() => detectDistro(new SourceRoot(missing))).toThrow(ResolveError);
    const empty = tmpDir();
    writeFileSync(path.join(empty, 'file'), 'x');
    expect(() => detectDistro(new SourceRoot(empty))).toThrow(/not a root/);
  });
});
