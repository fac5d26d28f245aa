import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** Where the test roots keep their rpmdb (Debian's rpm defaults to ~/.rpmdb). */
export const DBPATH = '/var/lib/rpm';

const LIB_FILES = 120;

/**
 * Three noarch packages: jstest-lib (a directory, a symlink, enough long file names that its
 * header overflows a 4 KiB SQLite page, a Provides), jstest-app (Requires on the lib, on its
 * Provides, on a file path, a rich `(a or b)`, and a scriptlet-only one with its interpreter; a %doc and a %ghost file) and jstest-sh (owns
 * /bin/sh, satisfying the file requirement).
 */
const SPECS: Record<string, string> = {
  'jstest-lib': `Name: jstest-lib
Version: 1.0
Release: 1
Summary: test library
License: MIT
BuildArch: noarch
Provides: libjstest.so.1()(64bit)
%description
test
%install
mkdir -p %{buildroot}/usr/lib/jstest/data
echo lib > %{buildroot}/usr/lib/jstest/libjstest.so.1
ln -s libjstest.so.1 %{buildroot}/usr/lib/jstest/libjstest.so
for i in $(seq 1 ${LIB_FILES}); do echo $i > %{buildroot}/usr/lib/jstest/data/a-rather-long-file-name-to-grow-the-header-$i.dat; done
%files
/usr/lib/jstest
`,
  'jstest-app': `Name: jstest-app
Version: 2.0
Release: 3
Epoch: 1
Summary: test app
License: MIT
BuildArch: noarch
Requires: jstest-lib
Requires: libjstest.so.1()(64bit)
Requires: /bin/sh
Requires: (jstest-nothere or jstest-lib)
Requires(post): jstest-post-only
%description
test
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/doc/jstest-app %{buildroot}/var/log %{buildroot}/etc
printf '#!/bin/sh\\necho jstest\\n' > %{buildroot}/usr/bin/jstest
chmod 755 %{buildroot}/usr/bin/jstest
echo readme > %{buildroot}/usr/share/doc/jstest-app/README
echo conf > %{buildroot}/etc/jstest.conf
touch %{buildroot}/var/log/jstest.log
%post
echo installed
%files
/usr/bin/jstest
%config(noreplace) /etc/jstest.conf
%doc /usr/share/doc/jstest-app/README
%ghost /var/log/jstest.log
`,
  'jstest-sh': `Name: jstest-sh
Version: 1
Release: 1
Summary: a /bin/sh owner
License: MIT
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/bin
printf 'sh\\n' > %{buildroot}/bin/sh
%files
/bin/sh
`,
};

/** Builds the test packages with rpmbuild under top; returns the .rpm paths, sorted. */
export async function buildTestRpms(top: string): Promise<string[]> {
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  for (const [name, spec] of Object.entries(SPECS)) {
    const file = path.join(top, 'SPECS', `${name}.spec`);
    writeFileSync(file, spec);
    await execa('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '-bb', file]);
  }
  const dir = path.join(top, 'RPMS/noarch');
  return readdirSync(dir)
    .map((f) => path.join(dir, f))
    .sort();
}

const MULTILIB_SPEC = `Name: jstest-ml
Version: 1
Release: 1
Summary: one package built for two arches
License: MIT
%global debug_package %{nil}
%description
test
%install
mkdir -p %{buildroot}/usr/lib/jstest-ml-%{_target_cpu}
echo %{_target_cpu} > %{buildroot}/usr/lib/jstest-ml-%{_target_cpu}/arch
%files
/usr/lib/jstest-ml-%{_target_cpu}
`;

/** jstest-ml for i686 and x86_64 (multilib), as [i686 rpm, x86_64 rpm]. */
export async function buildMultilibRpms(top: string): Promise<[string, string]> {
  mkdirSync(path.join(top, 'SPECS'), { recursive: true });
  const file = path.join(top, 'SPECS', 'jstest-ml.spec');
  writeFileSync(file, MULTILIB_SPEC);
  for (const target of ['i686', 'x86_64'])
    await execa('rpmbuild', [
      '--define',
      `_topdir ${top}`,
      '--define',
      '_build_id_links none',
      '--target',
      target,
      '-bb',
      file,
    ]);
  return [
    path.join(top, 'RPMS/i686/jstest-ml-1-1.i686.rpm'),
    path.join(top, 'RPMS/x86_64/jstest-ml-1-1.x86_64.rpm'),
  ];
}

/** rpm against a test root, with its database at DBPATH. */
export async function rpmIn(root: string, args: string[]): Promise<string> {
  const r = await execa('rpm', [
    '--root',
    root,
    '--dbpath',
    DBPATH,
    '--define',
    '_db_backend sqlite',
    ...args,
  ]);
  return String(r.stdout);
}

/** A fresh root with the packages installed (no scripts, no dependency check: the root is bare). */
export async function installRoot(root: string, rpms: string[]): Promise<void> {
  mkdirSync(root, { recursive: true });
  await rpmIn(root, ['-i', '--nodeps', '--noscripts', ...rpms]);
}

/** A copy of a root to run oracles on: rpm and sqlite3 checkpoint (and so change) what they open. */
export function copyRoot(from: string, to: string): string {
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** sqlite3 CLI output, one line per row. */
export async function sqlite(db: string, ...statements: string[]): Promise<string[]> {
  const r = await execa('sqlite3', [db, ...statements]);
  return String(r.stdout).split('\n').filter(Boolean);
}
