/** Finds, from the host, the pid of a job once it runs inside its jail: for runtime probes. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Direct children of a process (all its threads), from /proc/PID/task/TID/children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (tid) out.push(Number(tid));
    }
  } catch {}
  return out;
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const c of childrenOf(p)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * The job is the process that bubblewrap's init started in the job's PID namespace (pid 2 there)
 * once it has exec'd the command: before that, the same pid is bubblewrap still setting up.
 */
function isJob(pid: number, command: readonly string[]): boolean {
  try {
    const nspid = /^NSpid:\s+(.*)$/m
      .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
      ?.trim()
      .split(/\s+/);
    if (!nspid || nspid.length < 2 || nspid[nspid.length - 1] !== '2') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `${command.join('\0')}\0`;
  } catch {
    return false;
  }
}

/** Polls until the job is found or `alive()` says the run is over; resolves null then. */
export async function waitForJob(
  top: number,
  command: readonly string[],
  alive: () => boolean,
): Promise<number | null> {
  while (alive()) {
    const found = descendants(top).find((p) => isJob(p, command));
    if (found !== undefined) return found;
    await sleep(10);
  }
  return null;
}
