/**
 * A fake cgroupfs in a temp directory, with the kernel's part played by a CgroupFs: mkdir fills
 * a cgroup with its interface files, rmdir drops them (EBUSY while it holds processes, ENOTEMPTY
 * with child cgroups), writes to cgroup.subtree_control, cgroup.procs and cgroup.kill act.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostCgroupFs } from '../../src/run/cgroup/host-fs.js';
import type { CgroupFs } from '../../src/run/cgroup/types.js';
import { tmpDir } from '../helpers/tmp.js';

const errno = (code: string, p: string): Error => Object.assign(new Error(`${code}: ${p}`), { code });

export interface FakeV2 {
  /** Controllers of the root cgroup (cgroup.controllers). */
  controllers?: string[];
  /** Cgroups to create with their cgroup.subtree_control: { '/user.slice': ['memory'] }. */
  tree?: Record<string, string[]>;
  /** The caller's cgroup path (the 0:: line). */
  caller?: string;
  /** The kernel has cgroup.kill (5.14+). Default true. */
  kill?: boolean;
  /** The kernel accounts swap (memory.swap.max). Default true. */
  swap?: boolean;
}

export interface FakeV1 {
  /** Hierarchies by mount directory name: { memory: ['memory'], cpu: ['cpu', 'cpuacct'] }. */
  hierarchies: Record<string, string[]>;
  /** The caller's path in each hierarchy (by directory name), default '/'. */
  caller?: Record<string, string>;
  /** Hierarchy directories whose cgroups to create beforehand: { memory: ['/a', '/a/b'] }. */
  tree?: Record<string, string[]>;
  /** memory.memsw.* present. Default true. */
  memsw?: boolean;
  /** A cgroup2 at <root>/unified with no controllers (hybrid). */
  unified?: boolean;
}

export interface Fake {
  root: string;
  mountinfo: string;
  procSelfCgroup: string;
  fs: CgroupFs & {
    /** Pids SIGKILLed through kill(), and cgroups emptied through cgroup.kill. */
    killed: number[];
    killFileWrites: string[];
    /** Pids alive() answers true for. */
    live: Set<number>;
  };
  read(p: string): string;
  write(p: string, text: string): void;
}

const V2_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.max': 'max\n',
    'memory.swap.max': 'max\n',
    'memory.oom.group': '0\n',
    'memory.peak': '0\n',
    'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n',
  },
  pids: { 'pids.max': 'max\n', 'pids.events': 'max 0\n' },
  cpu: { 'cpu.max': 'max 100000\n' },
};

const V1_FILES: Record<string, Record<string, string>> = {
  memory: {
    'memory.limit_in_bytes': '9223372036854771712\n',
    'memory.memsw.limit_in_bytes': '9223372036854771712\n',
    'memory.max_usage_in_bytes': '0\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n',
  },
  pids: { 'pids.max': 'max\n', 'pids.events': 'max 0\n' },
  cpu: { 'cpu.cfs_period_us': '100000\n', 'cpu.cfs_quota_us': '-1\n' },
  cpuacct: { 'cpuacct.usage': '0\n' },
};

function fakeFs(
  root: string,
  populate: (dir: string) => void,
  onSubtree: (file: string, text: string) => void,
): Fake['fs'] {
  const procsFiles = (dir: string): string[] => {
    const out: string[] = [];
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(...procsFiles(path.join(dir, e.name)));
      else if (e.name === 'cgroup.procs') out.push(path.join(dir, e.name));
    }
    return out;
  };
  const removePid = (pid: number): void => {
    for (const f of procsFiles(root)) {
      const pids = readFileSync(f, 'utf8').split('\n').filter(Boolean);
      writeFileSync(
        f,
        pids
          .filter((p) => Number(p) !== pid)
          .map((p) => `${p}\n`)
          .join(''),
      );
    }
  };
  const fs: Fake['fs'] = {
    ...hostCgroupFs,
    killed: [],
    killFileWrites: [],
    live: new Set(),
    mkdir: (p) => {
      mkdirSync(p);
      populate(p);
    },
    rmdir: (p) => {
      if (!existsSync(p)) throw errno('ENOENT', p);
      const entries = readdirSync(p, { withFileTypes: true });
      if (entries.some((e) => e.isDirectory())) throw errno('ENOTEMPTY', p);
      if (readFileSync(`${p}/cgroup.procs`, 'utf8').trim() !== '') throw errno('EBUSY', p);
      rmSync(p, { recursive: true });
    },
    write: (p, text) => {
      if (!existsSync(p)) throw errno('ENOENT', p);
      const name = path.basename(p);
      if (name === 'cgroup.subtree_control') onSubtree(p, text);
      else if (name === 'cgroup.procs') writeFileSync(p, `${readFileSync(p, 'utf8')}${text.trim()}\n`);
      else if (name === 'tasks') {
        // v1: a thread of its own; the fake's processes are single-threaded, so it joins whole.
        for (const f of [p, `${path.dirname(p)}/cgroup.procs`])
          writeFileSync(f, `${readFileSync(f, 'utf8')}${text.trim()}\n`);
      } else if (name === 'cgroup.kill') {
        fs.killFileWrites.push(path.dirname(p));
        const procs = `${path.dirname(p)}/cgroup.procs`;
        for (const pid of readFileSync(procs, 'utf8').split('\n').filter(Boolean)) fs.kill(Number(pid));
      } else writeFileSync(p, text);
    },
    kill: (pid) => {
      fs.killed.push(pid);
      removePid(pid);
    },
    alive: (pid) => fs.live.has(pid),
  };
  return fs;
}

function helpers(root: string, mountinfo: string, procSelfCgroup: string, fs: Fake['fs']): Fake {
  return {
    root,
    mountinfo,
    procSelfCgroup,
    fs,
    read: (p) => readFileSync(path.join(root, p), 'utf8'),
    write: (p, text) => writeFileSync(path.join(root, p), text),
  };
}

/** A pure v2 tree mounted at the returned `root`. */
export function fakeV2(opts: FakeV2 = {}): Fake {
  const root = tmpDir('jailsmith-fake-cgroup2-');
  const withKill = opts.kill ?? true;
  const withSwap = opts.swap ?? true;
  const populate = (dir: string, controllers?: string[]): void => {
    const isRoot = controllers !== undefined;
    const own =
      controllers ??
      readFileSync(`${path.dirname(dir)}/cgroup.subtree_control`, 'utf8')
        .trim()
        .split(/\s+/);
    const files: Record<string, string> = {
      'cgroup.controllers': `${own.filter(Boolean).join(' ')}\n`,
      'cgroup.subtree_control': '\n',
      'cgroup.procs': '',
      'cpu.stat': 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n',
    };
    if (!isRoot && withKill) files['cgroup.kill'] = '';
    if (!isRoot) {
      for (const c of own) Object.assign(files, V2_FILES[c] ?? {});
      if (!withSwap) delete files['memory.swap.max'];
    }
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  };
  const onSubtree = (file: string, text: string): void => {
    const dir = path.dirname(file);
    const available = readFileSync(`${dir}/cgroup.controllers`, 'utf8').trim().split(/\s+/);
    const now = new Set(readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean));
    for (const tok of text.trim().split(/\s+/)) {
      const c = tok.slice(1);
      if (!available.includes(c)) throw errno('ENOENT', file);
      if (tok.startsWith('+')) now.add(c);
      else now.delete(c);
    }
    writeFileSync(file, `${[...now].join(' ')}\n`);
  };
  populate(root, opts.controllers ?? ['cpuset', 'cpu', 'io', 'memory', 'pids']);
  for (const [cg, subtree] of Object.entries(opts.tree ?? {})) {
    const dir = path.join(root, cg);
    mkdirSync(dir);
    populate(dir);
    writeFileSync(`${dir}/cgroup.subtree_control`, `${subtree.join(' ')}\n`);
  }
  const fs = fakeFs(root, (d) => populate(d), onSubtree);
  const mountinfo = `30 22 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n31 23 0:27 / ${root} rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n`;
  return helpers(root, mountinfo, `0::${opts.caller ?? '/'}\n`, fs);
}

/** A v1 tree: a tmpfs `root` with one directory per hierarchy. */
export function fakeV1(opts: FakeV1): Fake {
  const root = tmpDir('jailsmith-fake-cgroup1-');
  const memsw = opts.memsw ?? true;
  const hierarchyOf = (dir: string): string[] =>
    opts.hierarchies[path.relative(root, dir).split('/')[0]!] ?? [];
  const populate = (dir: string): void => {
    const files: Record<string, string> = { 'cgroup.procs': '', tasks: '', notify_on_release: '0\n' };
    for (const c of hierarchyOf(dir)) Object.assign(files, V1_FILES[c] ?? {});
    if (!memsw) delete files['memory.memsw.limit_in_bytes'];
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  };
  const lines = [`30 22 0:26 / ${root} rw - tmpfs tmpfs rw,mode=755`];
  const self: string[] = [];
  let id = 1;
  for (const [name, controllers] of Object.entries(opts.hierarchies)) {
    const dir = path.join(root, name);
    mkdirSync(dir);
    populate(dir);
    for (const cg of opts.tree?.[name] ?? []) {
      mkdirSync(path.join(dir, cg));
      populate(path.join(dir, cg));
    }
    lines.push(`${30 + id} 30 0:${30 + id} / ${dir} rw,relatime - cgroup cgroup rw,${controllers.join(',')}`);
    self.push(`${id}:${controllers.join(',')}:${opts.caller?.[name] ?? '/'}`);
    id++;
  }
  self.push(`${id}:name=systemd:/`);
  if (opts.unified) {
    const dir = path.join(root, 'unified');
    mkdirSync(dir);
    writeFileSync(`${dir}/cgroup.controllers`, '\n');
    writeFileSync(`${dir}/cgroup.subtree_control`, '\n');
    writeFileSync(`${dir}/cgroup.procs`, '');
    lines.push(`99 30 0:99 / ${dir} rw - cgroup2 cgroup2 rw`);
    self.push('0::/');
  }
  const fs = fakeFs(root, populate, () => {
    throw errno('EINVAL', 'no subtree_control in v1');
  });
  return helpers(root, `${lines.join('\n')}\n`, `${self.reverse().join('\n')}\n`, fs);
}
