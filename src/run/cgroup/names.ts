/**
 * Names of the cgroups this module creates. A job's name embeds its creator's pid, so a later
 * sweep can tell the cgroups of a jailsmith that died (SIGKILL) from those of a live one.
 */

/** The shared parent of all job cgroups beneath one parent cgroup. */
export const PARENT_NAME = 'jailsmith';

/** The file a process joins a job cgroup through, by version (JobCgroup.joinFiles says why). */
export const JOIN_FILE = { 1: 'tasks', 2: 'cgroup.procs' } as const;

let counter = 0;

/** `job-<pid>-<counter>-<clock>[-<jobName, sanitised>]`. */
export function jobCgroupName(pid: number, jobName: string): string {
  counter += 1;
  const label = jobName
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .slice(0, 40);
  // pid and counter make it unique among live jailsmiths; the clock, among the dead ones whose pid
  // came round again (node:crypto's randomness would cost a job start more than the rest of this).
  const base = `job-${pid}-${counter}-${process.hrtime.bigint().toString(36)}`;
  return label === '' ? base : `${base}-${label}`;
}

/** The creator pid of a job cgroup name, or null for a name this module does not make. */
export function ownerPid(name: string): number | null {
  const m = /^job-(\d+)-\d+-[0-9a-z]+(?:-|$)/.exec(name);
  return m ? Number(m[1]) : null;
}
