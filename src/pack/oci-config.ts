/**
 * The image config's `config` section (OCI image-spec config.md) from a jail and its run policy:
 * a numeric User (Kubernetes' runAsNonRoot needs one), Env, WorkingDir, Entrypoint/Cmd, and the
 * whole policy as a label, so the signed manifest's config digest covers how the jail runs.
 */
import { closeSync, constants, lstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { machineInfo, sniffFile } from '../elf/index.js';
import { PackError } from '../errors.js';
import type { ManifestEntry } from '../manifest/index.js';
import { type RunPolicy, shippedPolicy } from '../policy/index.js';

export const POLICY_LABEL = 'org.jailsmith.run-policy';
/** run's seccomp filter as an OCI runtime-spec `linux.seccomp` object (JSON). */
export const SECCOMP_LABEL = 'org.jailsmith.seccomp';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** jailsmith run's default user when a policy names none. */
const NOBODY = 65534;

/** What the config needs to know about the jail's tree. */
export interface JailFacts {
  /** uid:gid for a user name or uid, from the jail's /etc/passwd. */
  lookupUser(user: string | number): { uid: number; gid: number } | undefined;
  /** The jail's shell (/bin/sh) when it resolves, through symlinks, to a file in the jail. */
  shell: string | null;
}

/** A jail path followed through the manifest's symlinks (at most 40, as the kernel); null if absent. */
export function resolveInManifest(entries: ManifestEntry[], p: string): ManifestEntry | null {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  let parts = p.split('/').filter(Boolean);
  let hops = 0;
  for (let i = 0; i <= parts.length; i++) {
    const cur = `/${parts.slice(0, i).join('/')}`;
    const e = byPath.get(cur);
    if (!e) return null;
    if (e.type === 'symlink') {
      if (++hops > 40) return null;
      const t = e.target as string;
      const base = t.startsWith('/') ? [] : parts.slice(0, i - 1);
      parts = path.posix.normalize([...base, ...t.split('/'), ...parts.slice(i)].join('/')).split('/');
      parts = parts.filter((x) => x && x !== '.');
      if (parts.includes('..'))
        parts = path.posix
          .resolve('/', ...parts)
          .split('/')
          .filter(Boolean);
      i = -1;
      continue;
    }
    if (i === parts.length) return e;
    if (e.type !== 'dir') return null;
  }
  return null;
}

/** Reads /etc/passwd of the jail only when the manifest lists it as a regular file. */
function readPasswd(dir: string, entries: ManifestEntry[]): string[][] {
  const etc = entries.find((e) => e.path === '/etc');
  const pw = entries.find((e) => e.path === '/etc/passwd');
  if (etc?.type !== 'dir' || pw?.type !== 'file') return [];
  const fd = openSync(path.join(dir, 'etc/passwd'), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return readFileSync(fd, 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
  } finally {
    closeSync(fd);
  }
}

export function jailFacts(dir: string, entries: ManifestEntry[]): JailFacts {
  const rows = readPasswd(dir, entries);
  const sh = resolveInManifest(entries, '/bin/sh');
  return {
    lookupUser(user) {
      const row =
        typeof user === 'number' || /^\d+$/.test(user)
          ? rows.find((r) => r[2] === String(user))
          : rows.find((r) => r[0] === user);
      if (row && /^\d+$/.test(row[2] ?? '') && /^\d+$/.test(row[3] ?? ''))
        return { uid: Number(row[2]), gid: Number(row[3]) };
      if (typeof user === 'number' || /^\d+$/.test(user)) return { uid: Number(user), gid: Number(user) };
      return undefined;
    },
    shell: sh && (sh.type === 'file' || sh.type === 'hardlink') ? '/bin/sh' : null,
  };
}

export function imageConfig(policy: RunPolicy, facts: JailFacts): Record<string, unknown> {
  const env = Object.keys(policy.env ?? {})
    .sort()
    .map((k) => `${k}=${policy.env?.[k]}`);
  if (!env.some((e) => e.startsWith('PATH='))) env.unshift(DEFAULT_PATH);
  const user = policy.user ?? NOBODY;
  const ids = facts.lookupUser(user);
  if (!ids) {
    throw new PackError('PACK_USER_UNKNOWN', `run.user ${user} is not in the jail's /etc/passwd`, {
      hint: 'add the user to the spec (users:) or give a uid',
    });
  }
  const c: Record<string, unknown> = { User: `${ids.uid}:${ids.gid}`, Env: env };
  if (policy.entrypoint?.length) c.Entrypoint = policy.entrypoint;
  if (policy.cmd?.length) c.Cmd = policy.cmd;
  else if (!policy.entrypoint?.length && facts.shell) c.Cmd = [facts.shell];
  if (policy.workdir) c.WorkingDir = policy.workdir;
  c.Labels = { [POLICY_LABEL]: JSON.stringify(shippedPolicy(policy)) };
  return c;
}

const GOARCH: Record<string, string> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
  i386: '386',
  armhf: 'arm',
  armel: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/**
 * The image's architecture from the jail's own programs (the shell first, then any executable),
 * not from the host: the same spec packed from an arm64 sysroot is an arm64 image.
 */
export function jailArch(dir: string, entries: ManifestEntry[], first: string[] = []): string {
  const files = entries.filter((e) => e.type === 'file' && (Number.parseInt(e.mode, 8) & 0o111) !== 0);
  const order = [
    ...first.map((p) => resolveInManifest(entries, p)).filter((e): e is ManifestEntry => e !== null),
    ...files,
  ];
  for (const e of order.slice(0, 500)) {
    if (e.type !== 'file') continue;
    const s = sniffFile(path.join(dir, e.path), e.path);
    if (s.kind !== 'elf') continue;
    const m = machineInfo(s.elf.bits, s.elf.machine, s.elf.flags, s.elf.endian);
    if (m) return GOARCH[m.name] ?? m.name;
  }
  return GOARCH[process.arch === 'x64' ? 'x86_64' : process.arch] ?? process.arch;
}

/** The newest mtime in the jail (seconds): `created` when SOURCE_DATE_EPOCH is not set. */
export function newestMtime(dir: string, entries: ManifestEntry[]): number {
  let newest = 0;
  for (const e of entries) {
    try {
      newest = Math.max(newest, Math.floor(lstatSync(path.join(dir, e.path)).mtimeMs / 1000));
    } catch {
      // gone since the manifest was taken: the pack itself will say so
    }
  }
  return newest;
}
