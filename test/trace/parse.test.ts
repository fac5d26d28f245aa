import { describe, expect, it } from 'vitest';
import { SourceRoot } from '../../src/resolve/source-root.js';
import { parseStrace, summarize, unescapeStrace } from '../../src/trace/index.js';

const SAMPLE = [
  '100 execve("/usr/bin/env", ["env"], 0x7ffe /* 3 vars */) = 0',
  '100 openat(AT_FDCWD</tmp>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>',
  '100 openat(AT_FDCWD</etc>, "hostname", O_RDONLY) = 3</etc/hostname>',
  '100 openat(AT_FDCWD</etc>, "out.txt", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</etc/out.txt>',
  '100 newfstatat(3</etc/ld.so.cache>, "", {st_mode=S_IFREG|0644, ...}, AT_EMPTY_PATH) = 0',
  '100 access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)',
  '100 openat(AT_FDCWD</>, "/proc/self/maps", O_RDONLY) = 3</proc/100/maps>',
  '100 vfork( <unfinished ...>',
  '101 openat(AT_FDCWD</>, "/usr/share/a\\"b\\nc", O_RDONLY <unfinished ...>',
  '100 <... vfork resumed>) = 101',
  '101 <... openat resumed>) = 4</usr/share/a"b\\nc>',
  '101 getdents64(5</usr/lib>, 0x55d0 /* 12 entries */, 32768) = 400',
  '101 +++ exited with 0 +++',
].join('\n');

describe('strace parser', () => {
  it('undoes C escapes', () => {
    expect(unescapeStrace('a\\"b\\\\c\\x41\\101\\n')).toBe('a"b\\cAA\n');
  });
  it('reads events, stitches unfinished calls and joins relative paths to the decoded cwd', () => {
    const t = parseStrace(SAMPLE);
    expect(t.forks).toEqual([{ pid: 100, child: 101 }]);
    const paths = t.events.map((e) => [e.kind, e.path, e.ok, e.write]);
    expect(paths).toContainEqual(['open', '/etc/hostname', true, false]);
    expect(paths).toContainEqual(['open', '/etc/out.txt', true, true]);
    expect(paths).toContainEqual(['stat', '/etc/ld.so.preload', false, false]);
    expect(paths).toContainEqual(['open', '/usr/share/a"b\nc', true, false]);
    expect(paths).toContainEqual(['list', '/usr/lib', true, false]);
    expect(t.events.find((e) => e.path === '/etc/ld.so.preload')?.errno).toBe('ENOENT');
  });
  it('keeps existing inputs, drops writes, /proc and missing ones', () => {
    const s = summarize(parseStrace(SAMPLE), new SourceRoot('/'), { ignore: [] });
    expect(s.files).toContain('/etc/ld.so.cache');
    expect(s.files).toContain('/usr/bin/env');
    expect(s.files).not.toContain('/etc/out.txt');
    expect(s.files.some((f) => f.startsWith('/proc'))).toBe(false);
    expect(s.dirs).toEqual(['/usr/lib']);
    expect(s.missing).toEqual(['/etc/ld.so.preload']);
  });
  it('leaves secrets and host runtime trees out, saying which secrets', () => {
    const text = [
      '5 openat(AT_FDCWD</>, "/etc/shadow", O_RDONLY|O_CLOEXEC) = 3</etc/shadow>',
      '5 openat(AT_FDCWD</>, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3</etc/passwd>',
      '5 newfstatat(AT_FDCWD</>, "/tmp", {st_mode=S_IFDIR|01777, ...}, 0) = 0',
      '5 newfstatat(AT_FDCWD</>, "/root", {st_mode=S_IFDIR|0700, ...}, 0) = 0',
    ].join('\n');
    const s = summarize(parseStrace(text), new SourceRoot('/'), { ignore: [] });
    expect(s.files).toEqual(['/etc/passwd']);
    expect(s.sensitive).toEqual(['/etc/shadow', '/root']);
    expect(s.dirs).toEqual([]);
  });
  it('counts only what happens after chroot, mapping decoded fds back into the jail', () => {
    const text = [
      '7 openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY) = 3</etc/ld.so.cache>',
      '7 chroot("/srv/j") = 0',
      // What the chroot tool looks up itself (--userspec) before it runs the command does not count.
      '7 openat(AT_FDCWD</srv/j>, "/etc/nsswitch.conf", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '7 execve("/bin/nothere", ["x"], 0x1 /* 1 var */) = -1 ENOENT (No such file or directory)',
      '7 execve("/bin/sh", ["sh"], 0x1 /* 1 var */) = 0',
      // In a PID namespace the fork result is the namespace's pid; the comment gives strace's.
      "7 clone(child_stack=NULL, flags=SIGCHLD) = 2 /* 8 in strace's PID NS */",
      '8 openat(AT_FDCWD</srv/j/etc>, "passwd", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '8 openat(AT_FDCWD</srv/j>, "/usr/lib/x", O_RDONLY) = -1 ENOENT (No such file or directory)',
    ].join('\n');
    const s = summarize(parseStrace(text), new SourceRoot('/nonexistent-root'), {
      ignore: [],
      chroot: '/srv/j',
    });
    expect(s.missing).toEqual(['/etc/passwd', '/usr/lib/x']);
    // /bin/sh ran, but the root holds no such file: nothing to copy.
    expect(s.files).toEqual([]);
  });
});
