/**
 * A resolved job as an OCI runtime-spec config.json (runtime-spec 1.0.2, what runc 1.1 reads): the
 * same sandbox `jailsmith run` builds with bubblewrap, in the form runc, crun and containerd read.
 *
 * Choices that differ from `runc spec`'s defaults, and why:
 * - No /sys and no /sys/fs/cgroup: the job never had them under `jailsmith run`, and runc 1.1 on a
 *   hybrid cgroup host fails to start a container that sets resources while the cgroup mount is
 *   there.
 * - No /dev/pts, /dev/shm or /dev/mqueue: /dev is a small tmpfs holding the jail's own device nodes
 *   (runc adds its defaults: null, zero, full, random, urandom, tty).
 * - A user namespace mapping two host ids of jailsmith's per-job range: the job's uid (and gid)
 *   and the container's root, which runc's init needs to be while it sets the container up; the
 *   job itself has no capabilities and no new privileges, so it never becomes that root.
 */
import { ociSeccompProfile } from '../run/index.js';
import type { Downgrade, Gaps } from './downgrade.js';
import type { FleetJob } from './job.js';

/** runc's defaults: kernel interfaces a job never needs, hidden or read-only. /sys is not mounted. */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
];
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const ANNOTATION_DOWNGRADES = 'org.jailsmith.downgrades';
export const ANNOTATION_HOST_UID = 'org.jailsmith.host-uid';
const CPU_PERIOD = 100_000;

export interface OciConfigOptions {
  /** First of the two host ids (the job gets hostId+1 unless it is the container's root). */
  hostId: number;
  /** root.path: "rootfs" in the bundle, or the jail's absolute path. */
  rootPath: string;
  /** Machine the seccomp profile is for (Node's process.arch names). */
  arch?: string;
  gaps: Gaps;
}

/** The id mappings: container 0 → hostId, the job's id → hostId+1 (one line when the job is root). */
function idMappings(id: number, hostId: number) {
  if (id === 0) return [{ containerID: 0, hostID: hostId, size: 1 }];
  return [
    { containerID: 0, hostID: hostId, size: 1 },
    { containerID: id, hostID: hostId + 1, size: 1 },
  ];
}

/** The host uid the job runs as. */
export function jobHostUid(job: FleetJob, hostId: number): number {
  return job.uid === 0 ? hostId : hostId + 1;
}

function rlimits(job: FleetJob, gaps: Gaps) {
  const out: { type: string; hard: number; soft: number }[] = [{ type: 'RLIMIT_CORE', hard: 0, soft: 0 }];
  const l = job.limits;
  if (l.cpu !== undefined) {
    gaps.need('cpu', ['limits.cpu']);
    out.push({ type: 'RLIMIT_CPU', hard: Math.ceil(l.cpu), soft: Math.ceil(l.cpu) });
  }
  if (l.as !== undefined) out.push({ type: 'RLIMIT_AS', hard: l.as, soft: l.as });
  if (l.fsize !== undefined) out.push({ type: 'RLIMIT_FSIZE', hard: l.fsize, soft: l.fsize });
  if (l.nofile !== undefined) out.push({ type: 'RLIMIT_NOFILE', hard: l.nofile, soft: l.nofile });
  return out;
}

function mounts(job: FleetJob) {
  const writable = [
    ...job.tmpfs.map((t) => ({
      destination: t.target,
      type: 'tmpfs',
      source: 'tmpfs',
      options: [
        'nosuid',
        'nodev',
        ...(t.exec ? [] : ['noexec']),
        `size=${t.size}`,
        `mode=${(t.mode & 0o7777).toString(8).padStart(4, '0')}`,
        `uid=${job.uid}`,
        `gid=${job.gid}`,
      ],
    })),
    ...job.binds.map((b) => ({
      destination: b.target,
      type: 'bind',
      source: b.source as string,
      options: ['rbind', 'rprivate', 'nosuid', 'nodev', b.readOnly ? 'ro' : 'rw'],
    })),
  ];
  // Parents before children: a bind inside a tmpfs is mounted after the tmpfs.
  writable.sort((a, b) => a.destination.localeCompare(b.destination));
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=64k'],
    },
    ...writable,
  ];
}

function resources(job: FleetJob) {
  const r: Record<string, unknown> = {
    // Only the jail's device nodes (runc adds its own defaults to these).
    devices: [
      { allow: false, access: 'rwm' },
      ...job.devices.map((d) => ({ allow: true, type: 'c', major: d.major, minor: d.minor, access: 'rw' })),
    ],
  };
  const l = job.limits;
  // swap = limit: the job cannot trade its memory limit for swap.
  if (l.mem !== undefined) r.memory = { limit: l.mem, swap: l.mem };
  if (l.nproc !== undefined) r.pids = { limit: l.nproc };
  if (l.cores !== undefined) r.cpu = { quota: Math.round(l.cores * CPU_PERIOD), period: CPU_PERIOD };
  return r;
}

export function ociConfig(job: FleetJob, opts: OciConfigOptions): Record<string, unknown> {
  const gaps = opts.gaps;
  if (job.timeout !== undefined) gaps.need('timeout', ['timeout']);
  const process = {
    terminal: false,
    user: { uid: job.uid, gid: job.gid, additionalGids: [] as number[] },
    args: job.argv,
    env: Object.keys(job.env)
      .sort()
      .map((k) => `${k}=${job.env[k]}`),
    cwd: job.workdir,
    capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
    rlimits: rlimits(job, gaps),
    noNewPrivileges: true,
  };
  const namespaces = [
    'pid',
    'ipc',
    'uts',
    'mount',
    'user',
    'cgroup',
    ...(job.net === 'none' ? ['network'] : []),
  ];
  const linux: Record<string, unknown> = {
    uidMappings: idMappings(job.uid, opts.hostId),
    gidMappings: idMappings(job.gid, opts.hostId),
    namespaces: namespaces.map((type) => ({ type })),
    resources: resources(job),
    devices: job.devices.map((d) => ({
      path: d.path,
      type: 'c',
      major: d.major,
      minor: d.minor,
      fileMode: d.mode,
      uid: 0,
      gid: 0,
    })),
    maskedPaths: MASKED_PATHS,
    readonlyPaths: READONLY_PATHS,
  };
  if (job.seccomp) linux.seccomp = ociSeccompProfile(opts.arch);
  return {
    ociVersion: '1.0.2',
    process,
    root: { path: opts.rootPath, readonly: true },
    hostname: 'jail',
    mounts: mounts(job),
    linux,
    annotations: {
      [ANNOTATION_HOST_UID]: String(jobHostUid(job, opts.hostId)),
      [ANNOTATION_DOWNGRADES]: JSON.stringify(gaps.taken satisfies Downgrade[]),
    },
  };
}
