/**
 * strace output (`-f -y -s N`) → file events. Pure: takes the text, returns what each process asked
 * for, with paths made absolute from the decoded directory fd (`AT_FDCWD</cwd>`, `3</dir>`).
 */
export type EventKind = 'open' | 'exec' | 'stat' | 'list' | 'chdir' | 'chroot';

export interface TraceEvent {
  pid: number;
  syscall: string;
  kind: EventKind;
  /** Absolute path asked for (dirfd-relative ones joined), as the process saw it. */
  path: string;
  ok: boolean;
  /** errno name on failure, e.g. ENOENT. */
  errno: string | null;
  /** The open wrote or created (O_WRONLY, O_RDWR with O_CREAT, O_TRUNC): not an input. */
  write: boolean;
  /** The path came from a decoded fd (`<...>`): a host path even when the process is chrooted. */
  fromFd: boolean;
}

export interface ForkEvent {
  pid: number;
  child: number;
}

/** Which argument holds the path, and whether the one before it is a directory fd. */
const SYSCALLS: Record<string, { kind: EventKind; arg: number; dirfd: boolean }> = {
  open: { kind: 'open', arg: 0, dirfd: false },
  openat: { kind: 'open', arg: 1, dirfd: true },
  openat2: { kind: 'open', arg: 1, dirfd: true },
  execve: { kind: 'exec', arg: 0, dirfd: false },
  execveat: { kind: 'exec', arg: 1, dirfd: true },
  stat: { kind: 'stat', arg: 0, dirfd: false },
  lstat: { kind: 'stat', arg: 0, dirfd: false },
  newfstatat: { kind: 'stat', arg: 1, dirfd: true },
  fstatat64: { kind: 'stat', arg: 1, dirfd: true },
  statx: { kind: 'stat', arg: 1, dirfd: true },
  access: { kind: 'stat', arg: 0, dirfd: false },
  faccessat: { kind: 'stat', arg: 1, dirfd: true },
  faccessat2: { kind: 'stat', arg: 1, dirfd: true },
  readlink: { kind: 'stat', arg: 0, dirfd: false },
  readlinkat: { kind: 'stat', arg: 1, dirfd: true },
  getdents: { kind: 'list', arg: 0, dirfd: false },
  getdents64: { kind: 'list', arg: 0, dirfd: false },
  chdir: { kind: 'chdir', arg: 0, dirfd: false },
  fchdir: { kind: 'chdir', arg: 0, dirfd: false },
  chroot: { kind: 'chroot', arg: 0, dirfd: false },
};
const FORKS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Undoes strace's C-style escapes (\", \\, \n, \xNN, octal). */
export function unescapeStrace(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      continue;
    }
    const n = s[++i] ?? '';
    const simple: Record<string, number> = {
      n: 10,
      t: 9,
      r: 13,
      v: 11,
      f: 12,
      a: 7,
      b: 8,
      '"': 34,
      '\\': 92,
    };
    if (n in simple) bytes.push(simple[n] as number);
    else if (n === 'x') {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i)) as RegExpExecArray;
      bytes.push(Number.parseInt(m[0], 8));
      i += m[0].length - 1;
    } else bytes.push(n.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Splits top-level arguments: commas inside quotes, <>, [], {} and () do not count. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      cur += c;
      if (c === '\\') cur += s[++i] ?? '';
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if ('[{(<'.includes(c)) depth++;
    else if (']})>'.includes(c)) depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

const quoted = (a: string): string | null => {
  const m = /^"(.*)"(?:\.\.\.)?$/s.exec(a);
  return m ? unescapeStrace(m[1] as string) : null;
};
/** `3</usr/lib>` or `AT_FDCWD</tmp>` → the decoded path. */
const fdPath = (a: string): string | null => {
  const m = /^[^<]*<(.*)>$/s.exec(a);
  return m ? unescapeStrace(m[1] as string) : null;
};

function join(dir: string, rel: string): string {
  if (rel.startsWith('/')) return rel;
  const parts = dir.split('/').filter(Boolean);
  for (const c of rel.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return `/${parts.join('/')}`;
}

/** Joins `<unfinished ...>` halves with their `<... name resumed>` rest, per pid. */
function stitch(lines: string[]): string[] {
  const pending = new Map<string, string>();
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    if (rest.endsWith('<unfinished ...>')) {
      pending.set(pid, rest.slice(0, -'<unfinished ...>'.length));
      continue;
    }
    const r = /^<\.\.\. \S+ resumed>(.*)$/.exec(rest);
    if (r) {
      const head = pending.get(pid);
      pending.delete(pid);
      if (head !== undefined) out.push(`${pid} ${head}${r[1]}`);
      continue;
    }
    out.push(line);
  }
  return out;
}

const LINE = /^(\d+)\s+([a-z0-9_]+)\((.*)\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)(<.*?>)?(?:\s+([A-Z][A-Z0-9_]+))?/s;

export interface ParsedTrace {
  events: TraceEvent[];
  forks: ForkEvent[];
}

export function parseStrace(text: string): ParsedTrace {
  const events: TraceEvent[] = [];
  const forks: ForkEvent[] = [];
  for (const line of stitch(text.split('\n'))) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, pidS, name, argS, retS, , errno] = m as unknown as string[];
    const pid = Number(pidS);
    const ret = retS as string;
    if (FORKS.has(name as string)) {
      // --pidns-translation: "= 2 /* 5128 in strace's PID NS */" names the child as strace sees it.
      const seen = /\/\* (\d+) in strace's PID NS \*\//.exec(line)?.[1];
      if (seen) forks.push({ pid, child: Number(seen) });
      else if (/^\d+$/.test(ret) && ret !== '0') forks.push({ pid, child: Number(ret) });
      continue;
    }
    const spec = SYSCALLS[name as string];
    if (!spec) continue;
    const args = splitArgs(argS as string);
    const ok = ret !== '?' && !ret.startsWith('-');
    let p: string | null;
    let fromFd = false;
    if (spec.kind === 'list' || name === 'fchdir') {
      p = fdPath(args[0] ?? '');
      fromFd = true;
    } else {
      const raw = quoted(args[spec.arg] ?? '');
      if (raw === null || raw === '') continue; // AT_EMPTY_PATH on an fd: the fd's own open was seen
      const base = spec.dirfd ? fdPath(args[spec.arg - 1] ?? '') : null;
      fromFd = !raw.startsWith('/') && base !== null;
      p = raw.startsWith('/') ? raw : base ? join(base, raw) : null;
      if (p === null) p = raw; // relative without a decoded cwd: kept relative, dropped later
    }
    if (p === null) continue;
    const flags = spec.kind === 'open' ? (args[spec.arg + 1] ?? '') : '';
    const write = /O_WRONLY|O_CREAT|O_TRUNC|O_TMPFILE/.test(flags);
    events.push({
      pid,
      syscall: name as string,
      kind: spec.kind,
      path: p,
      ok,
      errno: ok ? null : (errno ?? null),
      write,
      fromFd,
    });
  }
  return { events, forks };
}
