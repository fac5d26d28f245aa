import { chmodSync, chownSync, copyFileSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';

/**
 * What a fixture leaves live: mounts (newest last) and listening sockets. cleanup() takes the
 * mounts down lazily in reverse and closes the servers.
 */
export class Mounts {
  readonly points: string[] = [];
  readonly servers: net.Server[] = [];
  async mount(args: string[], target: string): Promise<void> {
    mkdirSync(target, { recursive: true });
    await execa('mount', [...args, target]);
    this.points.push(target);
  }
  async unmount(): Promise<void> {
    for (const s of this.servers.splice(0)) s.close();
    for (const p of this.points.reverse()) {
      await execa('umount', ['-l', p], { reject: false });
    }
    this.points.length = 0;
  }
}

function put(root: string, p: string, content: string | Buffer, mode = 0o644): string {
  const f = path.join(root, p);
  mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
  writeFileSync(f, content, { mode });
  chmodSync(f, mode);
  return f;
}

function copy(root: string, from: string, p: string, mode = 0o755): string {
  const f = path.join(root, p);
  mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
  copyFileSync(from, f);
  chmodSync(f, mode);
  return f;
}

async function socketAt(file: string, mounts: Mounts): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  // Node unlinks the path on close, so the server stays up until cleanup.
  mounts.servers.push(server);
}

/**
 * A jail breaking every static rule, made with the real calls. `base` must be a root-owned
 * directory; the jail lives on a tmpfs mounted at base/fs so hard links to base/fs/outside are
 * links to files outside the jail on the jail's own device.
 */
export async function makeBrokenJail(base: string, mounts: Mounts): Promise<string> {
  const fs = path.join(base, 'fs');
  await mounts.mount(['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs'], fs);
  const J = path.join(fs, 'J');
  const out = path.join(fs, 'outside');
  mkdirSync(J, { mode: 0o755 });
  mkdirSync(out, { mode: 0o755 });
  for (const d of [
    'bin',
    'lib',
    'usr/bin',
    'etc',
    'dev',
    'tmp',
    'var/run',
    'srv/drop',
    'mnt',
    'proc',
    'sys',
    'run',
  ]) {
    mkdirSync(path.join(J, d), { recursive: true, mode: 0o755 });
  }
  chmodSync(path.join(J, 'tmp'), 0o1777);
  // Tree ownership and modes.
  chmodSync(J, 0o775);
  chownSync(path.join(J, 'lib'), 1000, 1000);
  chmodSync(path.join(J, 'usr/bin'), 0o777);
  chmodSync(path.join(J, 'srv/drop'), 0o777);
  chownSync(copy(J, '/bin/sh', 'bin/sh'), 1000, 1000);
  chownSync(put(J, 'etc/ld.so.preload', ''), 1000, 1000);
  // Privilege-granting files.
  copy(J, '/bin/true', 'bin/su', 0o4755);
  copy(J, '/bin/true', 'usr/bin/wall', 0o2755);
  await execa('setcap', ['cap_dac_read_search+ep', copy(J, '/bin/true', 'usr/bin/tar')]);
  await execa('setcap', ['cap_net_raw+ep', copy(J, '/bin/true', 'bin/ping')]);
  // Beside foreign mounts (/ holds proc, sys, mnt) and under a non-UTF-8 directory name, caps are
  // read file by file rather than with getfattr -R: both paths must find them.
  await execa('setcap', ['cap_sys_chroot+ep', copy(J, '/bin/true', 'capped')]);
  const rawDir = Buffer.from(`${J}/srv/d\xfe`, 'latin1');
  mkdirSync(rawDir, { mode: 0o755 });
  const rawFile = Buffer.concat([rawDir, Buffer.from('/chroot')]);
  copyFileSync('/bin/true', rawFile);
  chmodSync(rawFile, 0o755);
  // argv strings cannot carry the byte either: let the shell's printf make it.
  await execa('sh', ['-c', 'setcap cap_sys_admin+ep "$(printf \'d\\376\')/chroot"'], {
    cwd: path.join(J, 'srv'),
  });
  copy(J, '/bin/true', 'usr/bin/sudo');
  copy(J, '/bin/true', 'usr/bin/gdb');
  copy(J, '/bin/true', 'usr/bin/gcc');
  copy(J, '/bin/ls', 'usr/bin/broken'); // its libraries are not in the jail
  // Device nodes.
  await execa('mknod', [path.join(J, 'dev/sda'), 'b', '8', '0']);
  await execa('mknod', [path.join(J, 'dev/mem'), 'c', '1', '1']);
  await execa('mknod', [path.join(J, 'dev/foo'), 'c', '10', '200']);
  await execa('mknod', [path.join(J, 'dev/null'), 'c', '1', '3']);
  await execa('mknod', [path.join(J, 'tmp/.x'), 'b', '8', '1']);
  // Hard links to files outside the jail, one plain and one setuid.
  linkSync(put(out, 'secret', 'host data\n'), path.join(J, 'srv/secret'));
  linkSync(copy(out, '/bin/true', 'suid', 0o4755), path.join(J, 'usr/bin/pw'));
  // Links.
  symlinkSync('/etc/shadow', path.join(J, 'etc/resolv.conf'));
  symlinkSync('hosts', path.join(J, 'etc/hosts')); // a loop at a builder target
  symlinkSync('../../../../../../../etc', path.join(J, 'srv/log'));
  symlinkSync('/proc/1/root', path.join(J, 'hostroot'));
  symlinkSync('/proc/self/fd', path.join(J, 'dev/fd'));
  symlinkSync('loop2', path.join(J, 'loop1'));
  symlinkSync('loop1', path.join(J, 'loop2'));
  // Accounts.
  put(
    J,
    'etc/passwd',
    'root:x:0:0:root:/root:/bin/sh\nnopw::1001:1001::/:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n',
  );
  put(J, 'etc/shadow', 'root:$6$salt$abcdefgh:19000::::::\nnopw:*:19000::::::\n', 0o640);
  // Names that are not plain text: invalid UTF-8 and a newline, both setuid so they are reported.
  writeFileSync(Buffer.from(`${J}/tmp/bad\xff`, 'latin1'), '');
  chmodSync(Buffer.from(`${J}/tmp/bad\xff`, 'latin1'), 0o4755);
  put(J, 'tmp/new\nline', '', 0o4755);
  // Sockets: a host daemon's name on a tmpfs mounted for the jail, the log socket, another.
  await mounts.mount(['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs'], path.join(J, 'run'));
  await socketAt(path.join(J, 'run/docker.sock'), mounts);
  await socketAt(path.join(J, 'var/run/dbus/system_bus_socket'), mounts);
  await socketAt(path.join(J, 'dev/log'), mounts);
  await socketAt(path.join(J, 'tmp/app.sock'), mounts);
  // Mounts.
  await mounts.mount(['-t', 'proc', 'proc'], path.join(J, 'proc'));
  await mounts.mount(['-t', 'sysfs', 'sysfs'], path.join(J, 'sys'));
  await mounts.mount(['-t', 'devtmpfs', 'devtmpfs'], path.join(J, 'mnt/devtmpfs'));
  await mounts.mount(['--bind', '/usr'], path.join(J, 'mnt/usr'));
  await execa('mount', ['--make-shared', path.join(J, 'mnt/usr')]);
  return J;
}
