import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JailPlan, PlanEntry } from '../../src/plan/types.js';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function fileEntry(path: string, source: string, mode = 0o755): PlanEntry {
  const data = readFileSync(source);
  return { type: 'file', path, source, sha256: sha256(data), size: data.length, mode, uid: 0, gid: 0 };
}

export function generated(path: string, content: string, mode = 0o644, uid = 0, gid = 0): PlanEntry {
  return {
    type: 'generated',
    path,
    content,
    sha256: sha256(content),
    size: Buffer.byteLength(content),
    mode,
    uid,
    gid,
  };
}

export function dir(path: string, mode = 0o755, uid = 0, gid = 0, preserve = false): PlanEntry {
  return preserve ? { type: 'dir', path, mode, uid, gid, preserve } : { type: 'dir', path, mode, uid, gid };
}

export function plan(name: string, entries: PlanEntry[], source = '/'): JailPlan {
  return { format: 1, name, source, entries, notes: [], run: {}, audit: { allow: [] } };
}

/**
 * A small jail with every entry type, written by hand (no spec loader needed): sh and its libraries
 * come from `files`, which maps jail path → host source path.
 */
export function smallPlan(files: Record<string, string>, name = 'small'): JailPlan {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) {
    const parts = p.split('/').slice(1, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`);
  }
  for (const d of ['/etc', '/dev', '/tmp', '/home', '/home/jail']) dirs.add(d);
  const dirEntries = [...dirs]
    .sort()
    .map((d) =>
      d === '/tmp' ? dir(d, 0o1777) : d === '/home/jail' ? dir(d, 0o750, 1000, 1000, true) : dir(d),
    );
  const entries: PlanEntry[] = [
    dir('/'),
    ...dirEntries,
    ...Object.entries(files)
      .sort()
      .map(([p, src]) => fileEntry(p, src)),
    { type: 'symlink', path: '/bin/sh-link', target: 'sh', mode: 0o777, uid: 0, gid: 0 },
    { type: 'hardlink', path: '/bin/sh-hard', target: '/bin/sh', mode: 0o755, uid: 0, gid: 0 },
    { type: 'device', device: 'char', path: '/dev/null', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
    {
      type: 'device',
      device: 'block',
      path: '/dev/big',
      major: 259,
      minor: 300,
      mode: 0o600,
      uid: 0,
      gid: 6,
    },
    generated('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\njail:x:1000:1000::/home/jail:/bin/sh\n'),
    generated('/etc/group', 'root:x:0:\njail:x:1000:\n'),
    generated('/etc/shadow', 'root:!:1::::::\njail:*:1::::::\n', 0o640, 0, 42),
    generated('/etc/motd', "it's $HOME `id` $(id) ; no newline at end"),
  ];
  return plan(name, entries);
}

/**
 * A plan for golden files: fixed digests and sources that need not exist (the script is only
 * rendered), one entry of each type, a preserved home and names that need quoting.
 */
export function goldenPlan(): JailPlan {
  const fake = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
  const file = (path: string, source: string, n: number, mode = 0o755): PlanEntry => ({
    type: 'file',
    path,
    source,
    sha256: fake(n),
    size: 100 * n,
    mode,
    uid: 0,
    gid: 0,
  });
  const p = plan('golden', [
    dir('/'),
    dir('/bin'),
    dir('/dev'),
    dir('/etc'),
    dir('/home'),
    dir('/home/jail', 0o700, 1000, 1000, true),
    dir('/lib'),
    dir('/tmp', 0o1777),
    dir('/usr'),
    dir('/usr/bin'),
    file('/bin/sh', '/usr/bin/dash', 1),
    file('/lib/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', 2),
    file('/usr/bin/passwd', '/usr/bin/passwd', 3, 0o4755),
    file("/usr/bin/it's $(odd) `name`;\nx", "/srv/src/it's $(odd) `name`;\nx", 4, 0o644),
    { ...file('/usr/bin/ping', '/usr/bin/ping', 5), capability: 'cap_net_raw=ep' } as PlanEntry,
    { type: 'hardlink', path: '/usr/bin/sh', target: '/bin/sh', mode: 0o755, uid: 0, gid: 0 },
    { type: 'symlink', path: '/usr/bin/-rf', target: '-rf target', mode: 0o777, uid: 0, gid: 0 },
    { type: 'device', device: 'char', path: '/dev/null', major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
    generated('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\njail:x:1000:1000::/home/jail:/bin/sh\n'),
    generated('/etc/shadow', 'root:!:1::::::\njail:*:1::::::\n', 0o640, 0, 42),
  ]);
  p.notes = ['/dev/log needs a syslog socket at run time'];
  return p;
}

/** Names that run `touch CANARY` (relative to the working directory) if a shell ever evaluates them. */
export function hostileNames(canary: string): string[] {
  return [
    'with space',
    "it's quoted",
    '"double"',
    `$(touch ${canary}-dollar)`,
    `\`touch ${canary}-backquote\``,
    `x; touch ${canary}-semicolon`,
    `line\ntouch ${canary}-newline`,
    '-rf',
    '--no-verify',
    `' ; touch ${canary}-quote ; '`,
    '*',
    '\\backslash',
    // cd with no argument goes to $HOME: these would leave their mark there, whatever the cwd.
    `$(cd; touch ${canary}-home)`,
    `\`cd; touch ${canary}-home2\``,
  ];
}

/** Host binaries and their libraries (found with ldd), as jail path → host path. */
export async function hostFiles(binaries: Record<string, string>): Promise<Record<string, string>> {
  const { execa } = await import('execa');
  const { realpathSync } = await import('node:fs');
  const out: Record<string, string> = {};
  for (const [jailPath, bin] of Object.entries(binaries)) {
    out[jailPath] = realpathSync(bin);
    const { stdout } = await execa('ldd', [bin], { reject: false });
    for (const m of stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g))
      out[m[1] as string] = realpathSync(m[1] as string);
  }
  return out;
}

/**
 * The test jail: dash as /bin/sh with its libraries (copied into `src` first, so the plan's sources
 * live only there), and under /data a file, a directory, a symlink and a generated file for each
 * hostile name.
 */
export async function hostilePlan(src: string, canary: string): Promise<JailPlan> {
  const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const files: Record<string, string> = {};
  for (const [jailPath, host] of Object.entries(await hostFiles({ '/bin/sh': '/bin/dash' }))) {
    const copy = path.join(src, 'root', jailPath);
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(host, copy);
    files[jailPath] = copy;
  }
  const p = smallPlan(files, 'hostile');
  const names = hostileNames(canary);
  p.entries.push(dir('/data'), ...names.map((n) => dir(`/data/d ${n}`, 0o750, 1000, 1000)));
  names.forEach((n, i) => {
    writeFileSync(path.join(src, n), `content ${i}\n`);
    p.entries.push(
      fileEntry(`/data/${n}`, path.join(src, n), 0o640),
      { type: 'symlink', path: `/data/d ${n}/${n}`, target: n, mode: 0o777, uid: 1000, gid: 1000 },
      generated(`/data/d ${n}/gen`, n, 0o600, 1000, 1000),
    );
  });
  return p;
}
