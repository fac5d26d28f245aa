import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { buildJail } from '../../src/build/build-jail.js';
import { REPO } from '../helpers/cli.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

const JAILS = path.join(REPO, 'jails');

/** Runs argv inside DIR as uid:gid with chroot(8), the way the issue asks each jail to be proven. */
function inJail(dir: string, userspec: string, argv: string[], input?: string) {
  return execa('chroot', [`--userspec=${userspec}`, dir, ...argv], {
    reject: false,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/' },
    extendEnv: false,
    ...(input === undefined ? {} : { input }),
  });
}

describeAsRoot('ready-made jails build and work (chroot --userspec)', () => {
  const t = tmpDir('jailsmith-jails-');

  it('every jails/*.yaml is covered here', () => {
    const specs = readdirSync(JAILS)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(specs).toEqual(expect.arrayContaining(['compute.yaml', 'python.yaml', 'sftp.yaml', 'shell.yaml']));
    expect(specs.every((s) => ['compute.yaml', 'python.yaml', 'sftp.yaml', 'shell.yaml'].includes(s))).toBe(
      true,
    );
  });

  it('python: json, ssl (with CA certificates), sqlite3, hashlib, zlib, decimal, ctypes', async () => {
    const dir = path.join(t, 'python');
    const r = await buildJail(path.join(JAILS, 'python.yaml'), dir);
    expect(r.written).toBe(true);
    const imports = await inJail(dir, '1000:1000', [
      '/usr/bin/python3',
      '-c',
      'import json, ssl, sqlite3, hashlib, zlib, decimal, ctypes',
    ]);
    expect(imports.stderr).toBe('');
    expect(imports.exitCode).toBe(0);
    const work = await inJail(dir, '1000:1000', [
      '/usr/bin/python3',
      '-c',
      [
        'import ssl, sqlite3, hashlib, ctypes, ctypes.util, decimal',
        "n = ssl.create_default_context().cert_store_stats()['x509_ca']",
        "db = sqlite3.connect(':memory:'); db.execute('create table t(x)'); db.execute('insert into t values (41)')",
        "v = db.execute('select x + 1 from t').fetchone()[0]",
        "print(n > 0, v, hashlib.sha256(b'').hexdigest()[:8], decimal.Decimal('0.1') * 3, ctypes.sizeof(ctypes.c_long))",
      ].join('\n'),
    ]);
    expect(work.stdout.trim()).toBe('True 42 e3b0c442 0.3 8');
    // A rebuild with nothing new is a no-op.
    const again = await buildJail(path.join(JAILS, 'python.yaml'), dir);
    expect([again.added, again.changed, again.removed, again.written]).toEqual([[], [], [], false]);
  });

  it('compute: a C++ program with threads and <regex>, listed by absolute path, runs inside', async () => {
    const progDir = path.join(t, 'prog');
    mkdirSync(progDir);
    chmodSync(progDir, 0o755);
    const src = path.join(progDir, 'regex-threads.cpp');
    writeFileSync(
      src,
      `#include <atomic>
#include <cmath>
#include <iostream>
#include <regex>
#include <thread>
#include <vector>
int main(int argc, char **argv) {
  std::atomic<int> hits{0};
  const std::regex re("^ab+c$");
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; i++) ts.emplace_back([&] { if (std::regex_match("abbbc", re)) hits++; });
  for (auto &th : ts) th.join();
  std::cout << "hits " << hits << " root " << std::sqrt(double(hits * argc * 4)) << std::endl;
  return hits == 4 ? 0 : 1;
}
`,
    );
    const prog = path.join(progDir, 'regex-threads');
    await execa('g++', ['-O1', '-pthread', '-o', prog, src]);
    const spec = path.join(t, 'my-compute.yaml');
    writeFileSync(
      spec,
      `include: [${path.join(JAILS, 'compute.yaml')}]\nname: my-compute\nbinaries: [${prog}]\n`,
    );
    const dir = path.join(t, 'compute');
    await buildJail(spec, dir);
    expect(existsSync(path.join(dir, prog))).toBe(true);
    const r = await inJail(dir, '1000:1000', [prog]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('hits 4 root 4');
    expect(r.exitCode).toBe(0);
  });

  it("shell: sh -c 'ls /' as uid 1000", async () => {
    const dir = path.join(t, 'shell');
    await buildJail(path.join(JAILS, 'shell.yaml'), dir);
    const r = await inJail(dir, '1000:1000', [
      '/bin/sh',
      '-c',
      'ls /; id -u; echo ok > /dev/null && echo done',
    ]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining(['bin', 'etc', 'tmp', 'usr', '1000', 'done']));
  });

  it('sftp: sftp-server answers a real sftp session inside the jail, writing only the home', async () => {
    const dir = path.join(t, 'sftp');
    await buildJail(path.join(JAILS, 'sftp.yaml'), dir);
    const usage = await inJail(dir, '1001:1001', ['/usr/lib/openssh/sftp-server', '-h']);
    expect(usage.exitCode).toBe(1); // -h prints usage and exits 1, as on the host
    expect(usage.stderr).toMatch(/^usage: sftp-server/);
    const local = path.join(t, 'upload.txt');
    writeFileSync(local, 'hello jail\n');
    const batch = path.join(t, 'batch.txt');
    writeFileSync(batch, `put ${local} up.txt\nls\n`);
    const server = `chroot --userspec=1001:1001 ${dir} /usr/lib/openssh/sftp-server -d /home/sftpuser`;
    const r = await execa('sftp', ['-b', batch, '-D', server], { reject: false });
    expect(r.exitCode).toBe(0);
    const up = path.join(dir, 'home/sftpuser/up.txt');
    expect(readFileSync(up, 'utf8')).toBe('hello jail\n');
    expect(lstatSync(up).uid).toBe(1001);
    // The uploaded file is user data: a rebuild keeps it.
    await buildJail(path.join(JAILS, 'sftp.yaml'), dir, { force: true });
    expect(readFileSync(up, 'utf8')).toBe('hello jail\n');
  });
});
