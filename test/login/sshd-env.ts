/**
 * A real sshd for the login tests: its own config, host key, drop-in directory and port on
 * 127.0.0.1, run in the foreground (`sshd -D -e -f CONF`) and killed by pid. Everything lives
 * under one root-owned 0755 directory beside /srv (sshd refuses a ChrootDirectory or keys below a
 * writable /tmp), removed afterwards with the accounts the tests made.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface SshdEnv {
  base: string;
  dropIns: string;
  config: string;
  hostKey: string;
  userKey: string;
  port: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

export async function makeEnv(): Promise<SshdEnv> {
  mkdirSync('/srv', { recursive: true, mode: 0o755 });
  const base = mkdtempSync('/srv/jailsmith-login-test-');
  chmodSync(base, 0o755);
  const dropIns = path.join(base, 'sshd.d');
  mkdirSync(dropIns, { mode: 0o755 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const hostKey = path.join(base, 'host_ed25519');
  const userKey = path.join(base, 'user_ed25519');
  for (const k of [hostKey, userKey]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k]);
  const port = await freePort();
  const config = path.join(base, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      'UsePAM no',
      'StrictModes yes',
      'PidFile none',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `Include ${dropIns}/*.conf`,
      'Subsystem sftp internal-sftp',
      '',
    ].join('\n'),
  );
  return { base, dropIns, config, hostKey, userKey, port };
}

/** Starts sshd and resolves once it listens (its own "Server listening" line on stderr). */
export async function startSshd(env: SshdEnv): Promise<ChildProcess> {
  const p = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', env.config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    p.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      if (log.includes('Server listening on')) resolve();
    });
    p.once('exit', (c) => reject(new Error(`sshd exited (${c}): ${log}`)));
  });
  return p;
}

export async function stopSshd(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

export function sshOptions(env: SshdEnv): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-i',
    env.userKey,
  ];
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** ssh USER@127.0.0.1 ARGS...; the kill-after guard only ends a client that would hang on a bug. */
export function ssh(env: SshdEnv, user: string, args: string[], extra: string[] = []): Run {
  const r = spawnSync(
    'ssh',
    [...sshOptions(env), '-p', String(env.port), ...extra, `${user}@127.0.0.1`, ...args],
    {
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sftp(env: SshdEnv, user: string, batch: string): Run {
  const file = path.join(env.base, `batch-${randomBytes(3).toString('hex')}`);
  writeFileSync(file, batch);
  const r = spawnSync('sftp', [...sshOptions(env), '-P', String(env.port), '-b', file, `${user}@127.0.0.1`], {
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The host files a refusal must leave byte for byte as they were. */
const WATCHED = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow', '/etc/subuid', '/etc/subgid'];

export function hostSnapshot(env: SshdEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [...WATCHED, env.config]) {
    try {
      out[f] = readFileSync(f, 'latin1');
    } catch {
      out[f] = '<absent>';
    }
  }
  for (const d of [env.dropIns, '/etc/ssh/sshd_config.d']) {
    let names: string[] = [];
    try {
      names = readdirSync(d).sort();
    } catch {
      // absent
    }
    out[d] = names.join('\n');
    for (const n of names) out[path.join(d, n)] = readFileSync(path.join(d, n), 'latin1');
  }
  try {
    out['/etc/ssh/sshd_config'] = readFileSync('/etc/ssh/sshd_config', 'latin1');
  } catch {
    out['/etc/ssh/sshd_config'] = '<absent>';
  }
  return out;
}

export function hostHasUser(name: string): boolean {
  return spawnSync('getent', ['passwd', name]).status === 0;
}

export function hostHasGroup(name: string): boolean {
  return spawnSync('getent', ['group', name]).status === 0;
}

/** Removes accounts the tests made (only names with our random prefix) and the test directory. */
export function cleanup(env: SshdEnv | undefined, names: string[]): void {
  for (const n of names) {
    if (!/^jst[0-9a-f]{6}/.test(n)) continue;
    if (hostHasUser(n)) spawnSync('userdel', [n]);
    if (hostHasGroup(n)) spawnSync('groupdel', [n]);
  }
  if (env) rmSync(env.base, { recursive: true, force: true });
}
