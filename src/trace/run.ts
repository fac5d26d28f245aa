import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { errnoCode, SpecError } from '../errors.js';
import { SourceRoot } from '../resolve/index.js';
import { ROOT_PATH } from '../sys/index.js';
import { summarize } from './collect.js';
import { parseStrace } from './parse.js';

/** A PATH that does not depend on who runs jailsmith (a user's shims would be traced instead). */

/** %file covers open/stat/exec/access/readlink/chdir/chroot; forks let chroot state follow children. */
const STRACE_ARGS = [
  '-f',
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
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'jailsmith-trace-'));
  const out = path.join(tmp, 'strace.out');
  const command = opts.shell ? ['/bin/sh', '-c', argv.join(' ')] : argv;
  const user = opts.chroot && opts.userspec ? [`--userspec=${opts.userspec}`] : [];
  const wrapped = opts.chroot ? ['chroot', ...user, opts.chroot, ...command] : command;
  try {
    let r: Awaited<ReturnType<typeof execa>>;
    try {
      r = await execa('strace', [...STRACE_ARGS, '-o', out, '--', ...wrapped], {
        reject: false,
        cwd: opts.cwd ?? '/',
        // LANG=C: a locale the jail lacks would be probed one file per round otherwise
        env: { PATH: ROOT_PATH, HOME: '/', LANG: 'C', ...opts.env },
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
    const root = new SourceRoot(opts.chroot ?? '/');
    const summary = summarize(parseStrace(text), root, {
      ignore: [tmp],
      ...(opts.chroot ? { chroot: path.resolve(opts.chroot) } : {}),
    });
    const stderr = String(r.stderr ?? '')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-3)
      .join(' | ');
    return { ...summary, exitCode: r.timedOut ? 124 : (r.exitCode ?? 128), stderr };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
