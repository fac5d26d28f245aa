import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { errnoCode, SpecError } from '../errors.js';
import { SourceRoot } from '../resolve/index.js';
import { ROOT_PATH, ROOT_PATH_DIRS } from '../sys/index.js';
import { summarize } from './collect.js';
import { parseStrace } from './parse.js';

/** Who host traces run as: nobody, never root (a trace must not read or write what root can). */
export const TRACE_UID = 65534;

/**
 * A tool of the host by its full path, from the system directories: never looked up on the
 * command's PATH, which is the spec's run.env PATH (a jail's, often without /usr/sbin: chroot was
 * then "not found" and the confirmation quietly ran nothing).
 */
export function hostTool(name: string): string {
  for (const d of ROOT_PATH_DIRS) if (existsSync(`${d}/${name}`)) return `${d}/${name}`;
  throw new SpecError('TRACE_TOOL', `cannot trace: ${name} is not installed on this machine`, {
    hint: name === 'strace' ? 'apt-get install strace' : 'apt-get install util-linux coreutils',
  });
}

/** %file covers open/stat/exec/access/readlink/chdir/chroot; forks let chroot state follow children. */
const STRACE_ARGS = [
  '-f',
  // Fork results as strace sees pids: the command runs in its own PID namespace.
  '--pidns-translation',
  '-qq',
  '-y',
  '-s',
  '65535',
  '-e',
  'trace=%file,%process,getdents,getdents64,fchdir',
];

export interface TraceOptions {
  /** Run through /bin/sh -c (the command is then one string). */
  shell?: boolean;
  cwd?: string;
  /** Extra environment; PATH defaults to ROOT_PATH and nothing else is inherited. */
  env?: Record<string, string>;
  /** Host directory to chroot into first (a built jail). */
  chroot?: string;
  /** With chroot: run as UID:GID inside (chroot --userspec). */
  userspec?: string;
  /** Seconds before the command is killed (default 300). */
  timeout?: number;
}

export interface TraceResult {
  /** In-root (in-jail with chroot) paths of existing files the command used, sorted. */
  files: string[];
  /** Directories it listed, entered or looked at, sorted. */
  dirs: string[];
  /** Paths it tried that did not exist, sorted. */
  missing: string[];
  /** /dev paths it looked for in vain. */
  missingDevices: string[];
  /** Secrets it read, left out. */
  sensitive: string[];
  /** Programs the command left running (daemons it started), ended when it was done. */
  ended: string[];
  exitCode: number;
  /** Last lines of the command's stderr, for messages. */
  stderr: string;
}

/**
 * Runs a command under strace and returns the paths it used. Commands are argument vectors given
 * to execa (no shell) unless `shell` is set. With `chroot`, the command runs inside that directory
 * and the paths are jail paths.
 */
export async function traceCommand(argv: string[], opts: TraceOptions = {}): Promise<TraceResult> {
  if (argv.length === 0) throw new SpecError('TRACE_EMPTY', 'trace command is empty');
  const strace = hostTool('strace');
  const chroot = hostTool('chroot');
  const unshare = hostTool('unshare');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-trace-'));
  const out = path.join(tmp, 'strace.out');
  const command = opts.shell ? ['/bin/sh', '-c', argv.join(' ')] : argv;
  // A private HOME and TMPDIR owned by the trace user, inside the ignored temporary directory.
  const env: Record<string, string> = { PATH: ROOT_PATH, LANG: 'C' };
  if (opts.chroot) env.HOME = '/';
  else {
    chmodSync(tmp, 0o711);
    for (const d of ['home', 'tmp']) {
      mkdirSync(path.join(tmp, d), 0o700);
      chownSync(path.join(tmp, d), TRACE_UID, TRACE_UID);
    }
    env.HOME = path.join(tmp, 'home');
    env.TMPDIR = path.join(tmp, 'tmp');
  }
  // Host traces run as nobody through chroot --userspec to '/', which also marks where the
  // command starts (the summary counts events after that chroot only). Everything runs in a new
  // PID namespace whose init is the command: when it exits, the kernel ends whatever it left
  // running (gpg starts gpg-agent), so strace -f is not left waiting on a daemon for 300 s.
  const user = opts.chroot
    ? opts.userspec
      ? [`--userspec=${opts.userspec}`]
      : []
    : [`--userspec=${TRACE_UID}:${TRACE_UID}`];
  const wrapped = [
    unshare,
    '--pid',
    '--fork',
    '--kill-child',
    '--',
    chroot,
    ...user,
    opts.chroot ?? '/',
    ...command,
  ];
  try {
    let r: Awaited<ReturnType<typeof execa>>;
    try {
      r = await execa(strace, [...STRACE_ARGS, '-o', out, '--', ...wrapped], {
        reject: false,
        cwd: opts.cwd ?? '/',
        // LANG=C: a locale the jail lacks would be probed one file per round otherwise
        env: { ...env, ...opts.env },
        extendEnv: false,
        stdin: 'ignore',
        timeout: (opts.timeout ?? 300) * 1000,
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (e) {
      throw new SpecError('TRACE_STRACE', `cannot run strace: ${errnoCode(e) ?? String(e)}`, {
        hint: 'install strace (apt-get install strace)',
      });
    }
    let text = '';
    try {
      text = readFileSync(out, 'utf8');
    } catch {
      // strace could not start the command: no output file; the exit code says it failed
    }
    const parsed = parseStrace(text);
    if (!parsed.events.some((e) => e.kind === 'chroot' && e.ok)) {
      // The wrappers never reached the command: a trace that ran nothing must not say "nothing missing".
      const why =
        String(r.stderr ?? '')
          .trim()
          .split('\n')
          .at(-1) ?? '';
      throw new SpecError(
        'TRACE_NOT_RUN',
        `the trace did not run the command: ${why || `exit ${r.exitCode}`}`,
        {
          details: { command: argv },
        },
      );
    }
    const root = new SourceRoot(opts.chroot ?? '/');
    const summary = summarize(parsed, root, {
      ignore: [tmp],
      ...(opts.chroot ? { chroot: path.resolve(opts.chroot) } : { afterChroot: true }),
    });
    const stderr = String(r.stderr ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-3)
      .join(' | ');
    return {
      ...summary,
      ended: endedPrograms(text, parsed),
      exitCode: r.timedOut ? 124 : (r.exitCode ?? 128),
      stderr,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Programs (last exec of each pid) that never exited by themselves: the end of the namespace
 * killed them. -qq hides strace's "+++ killed" lines, so a missing exit() is the sign.
 */
function endedPrograms(text: string, parsed: ReturnType<typeof parseStrace>): string[] {
  const exited = new Set<number>();
  for (const m of text.matchAll(/^(\d+)\s+(?:<\.\.\. )?exit(?:_group)?[( ]/gm)) exited.add(Number(m[1]));
  const image = new Map<number, string>();
  for (const e of parsed.events) if (e.kind === 'exec' && e.ok) image.set(e.pid, e.path);
  const names = new Set<string>();
  for (const [pid, p] of image) if (!exited.has(pid)) names.add(p.slice(p.lastIndexOf('/') + 1));
  return [...names].sort();
}
