/**
 * The runtime probe: reads /proc/PID from the host and reports what a running jailed process can
 * still reach. Ids: proc-root-is-host, proc-fd-outside-root, proc-cwd-outside-root, proc-uid-root,
 * proc-capabilities, proc-no-new-privs-unset, proc-seccomp-off, proc-namespace-shared.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { AuditError, errnoCode } from '../errors.js';
import { isUnder } from '../sys/index.js';
import { capNames, escapeCaps } from './capabilities.js';
import type { AuditReport, AuditWarning, Finding, RuleInfo, Severity } from './types.js';

export interface ProbeReport extends AuditReport {
  pid: number;
  /** The process's root directory as the host sees it. */
  root: string;
}

function at(id: string, severity: Severity, p: string, message: string): Finding {
  return { id, severity, path: p, message };
}

function parseStatus(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

const NAMESPACES: Record<string, Severity> = {
  mnt: 'medium',
  pid: 'medium',
  net: 'low',
  user: 'low',
  ipc: 'low',
  uts: 'low',
  cgroup: 'low',
};
const O_ACCMODE = 3;

/** Is a readlink result a path (not socket:[…], pipe:[…], anon_inode:…)? */
function isPath(t: string): boolean {
  return t.startsWith('/');
}

function inRoot(root: string, p: string): boolean {
  return isUnder(p.replace(/ \(deleted\)$/, ''), root);
}

function fdFindings(pid: number, root: string): Finding[] {
  const out: Finding[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds.sort((a, b) => Number(a) - Number(b))) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (!isPath(target) || inRoot(root, target)) continue;
    let dir = false;
    let flags = 0;
    try {
      dir = statSync(`/proc/${pid}/fd/${fd}`).isDirectory();
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? '0', 8);
    } catch {}
    const writable = (flags & O_ACCMODE) !== 0;
    const n = Number(fd);
    let sev: Severity = dir ? 'critical' : writable ? 'high' : 'medium';
    if (!dir && n <= 2) sev = 'info';
    const kind = dir ? 'directory' : writable ? 'writable file' : 'read-only file';
    out.push(
      at(
        'proc-fd-outside-root',
        sev,
        target,
        `fd ${fd} -> ${target} (${kind}) lies outside the process root ${root}`,
      ),
    );
  }
  return out;
}

function capFindings(status: Map<string, string>, nnp: boolean): Finding[] {
  const out: Finding[] = [];
  for (const [key, label] of [
    ['CapEff', 'effective'],
    ['CapPrm', 'permitted'],
    ['CapAmb', 'ambient'],
    ['CapInh', 'inheritable'],
    ['CapBnd', 'bounding'],
  ] as const) {
    const mask = BigInt(`0x${status.get(key) ?? '0'}`);
    if (mask === 0n) continue;
    const escaping = escapeCaps(mask);
    let sev: Severity;
    if (key === 'CapBnd') sev = nnp ? 'info' : 'medium';
    else if (key === 'CapInh') sev = 'low';
    else sev = escaping.length > 0 ? 'critical' : 'medium';
    const names = capNames(mask);
    const shown = names.length > 8 ? `${names.length} capabilities` : names.join(',');
    const note =
      escaping.length > 0 && key !== 'CapBnd' && key !== 'CapInh'
        ? `; escape-grade: ${escaping.join(', ')}`
        : '';
    out.push(at('proc-capabilities', sev, '/', `${label} set ${shown}${note}`));
  }
  return out;
}

/** Inside a container /proc/1 is the container's init, so "shared with the host" means with it. */
function inContainer(): boolean {
  if (existsSync('/.dockerenv') || existsSync('/run/.containerenv')) return true;
  try {
    return readFileSync('/proc/1/environ', 'latin1')
      .split('\0')
      .some((v) => v.startsWith('container='));
  } catch {
    return false;
  }
}

/** Probes a running process. Throws AuditError when PID does not exist or cannot be read. */
export function probeProcess(pid: number): ProbeReport {
  if (!Number.isInteger(pid) || pid <= 0) throw new AuditError('AUDIT_BAD_PID', `not a process id: ${pid}`);
  const base = `/proc/${pid}`;
  let status: Map<string, string>;
  let root: string;
  try {
    status = parseStatus(readFileSync(`${base}/status`, 'utf8'));
    root = readlinkSync(`${base}/root`);
  } catch (e) {
    throw new AuditError('AUDIT_NO_PID', `cannot read process ${pid} (${errnoCode(e) ?? e})`, { path: base });
  }
  const findings: Finding[] = [];
  const warnings: AuditWarning[] = [];
  const sameNs = (ns: string) => {
    try {
      return readlinkSync(`${base}/ns/${ns}`) === readlinkSync(`/proc/1/ns/${ns}`);
    } catch {
      return undefined;
    }
  };
  const rootSt = statSync(`${base}/root`, { bigint: true });
  const hostSt = statSync('/', { bigint: true });
  if (rootSt.dev === hostSt.dev && rootSt.ino === hostSt.ino && sameNs('mnt') !== false) {
    findings.push(
      at('proc-root-is-host', 'critical', '/', `process ${pid} is not jailed: its root is the host root`),
    );
  } else {
    findings.push(...fdFindings(pid, root));
    try {
      const cwd = readlinkSync(`${base}/cwd`);
      if (isPath(cwd) && !inRoot(root, cwd)) {
        findings.push(
          at('proc-cwd-outside-root', 'critical', cwd, `cwd ${cwd} lies outside the process root ${root}`),
        );
      }
    } catch {}
  }
  const uids = (status.get('Uid') ?? '').split(/\s+/).map(Number);
  if (uids.includes(0)) {
    findings.push(
      at('proc-uid-root', 'critical', '/', `runs with uid 0 (real/effective/saved/fs: ${uids.join(' ')})`),
    );
  }
  const nnp = status.get('NoNewPrivs') === '1';
  findings.push(...capFindings(status, nnp));
  if (!nnp)
    findings.push(
      at(
        'proc-no-new-privs-unset',
        'medium',
        '/',
        'NoNewPrivs is 0: setuid and file-capability binaries raise privilege',
      ),
    );
  const seccomp = status.get('Seccomp') ?? '0';
  if (seccomp === '0')
    findings.push(
      at(
        'proc-seccomp-off',
        'low',
        '/',
        'no seccomp filter (mount, ptrace, open_by_handle_at are reachable)',
      ),
    );
  const container = inContainer();
  if (container)
    warnings.push({
      path: '/',
      message: 'the auditor runs in a container: namespaces are compared with its init, not the host',
    });
  for (const [ns, sev] of Object.entries(NAMESPACES)) {
    if (sameNs(ns))
      findings.push(
        at(
          'proc-namespace-shared',
          sev,
          '/',
          `${ns} namespace shared with ${container ? 'the container init' : 'the host'} (pid 1)`,
        ),
      );
  }
  const summary = { critical: 0, high: 0, medium: 0, low: 0, info: 0, silenced: 0, entries: 0 };
  for (const f of findings) summary[f.severity]++;
  return { jail: `pid:${pid}`, pid, root, findings, summary, warnings };
}

/** The probe's ids as rules, for the text report and SARIF. */
export const PROBE_RULES: readonly RuleInfo[] = [
  rule(
    'proc-root-is-host',
    'critical',
    'The process is not jailed',
    'Its root is the host root: there is no chroot or pivot_root to escape from.',
    'Start it through jailsmith run or chroot/pivot_root.',
  ),
  rule(
    'proc-fd-outside-root',
    'critical',
    'An open fd points outside the process root',
    'fchdir to a directory fd outside the root walks out (chroot(2); CVE-2024-21626).',
    'Close fds before entering the jail (close_range, O_CLOEXEC).',
  ),
  rule(
    'proc-cwd-outside-root',
    'critical',
    'The working directory lies outside the root',
    'chroot(2) does not change cwd: ../ from there reaches the host.',
    'chdir(jail), chroot(jail), chdir("/") in that order.',
  ),
  rule(
    'proc-uid-root',
    'critical',
    'The process runs as uid 0',
    'Root escapes a chroot with mkdir foo; chroot foo; cd ..',
    'Drop to an unprivileged uid after chroot.',
  ),
  rule(
    'proc-capabilities',
    'critical',
    'The process holds capabilities',
    'cap_sys_chroot, cap_sys_admin, cap_mknod, cap_dac_read_search and friends each lead out.',
    'Drop all capabilities and the bounding set (setpriv --bounding-set=-all).',
  ),
  rule(
    'proc-no-new-privs-unset',
    'medium',
    'NoNewPrivs is not set',
    'Without it setuid and file-capability binaries raise privilege.',
    'Set PR_SET_NO_NEW_PRIVS (setpriv --no-new-privs).',
  ),
  rule(
    'proc-seccomp-off',
    'low',
    'No seccomp filter',
    'mount, ptrace and open_by_handle_at stay reachable to the kernel.',
    'Run under a seccomp filter.',
  ),
  rule(
    'proc-namespace-shared',
    'medium',
    'A namespace is shared with the host',
    'A shared PID or mount namespace exposes host processes and mounts; a shared net namespace reaches abstract sockets.',
    'Unshare the namespaces (jailsmith run does mnt, pid, ipc, uts, net).',
  ),
];

function rule(id: string, severity: Severity, title: string, why: string, help: string): RuleInfo {
  return { id, severity, title, why, help };
}
