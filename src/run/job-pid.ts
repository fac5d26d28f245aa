/** Finds, from the host, the pid of a job once it runs inside its jail: for runtime probes. */
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Direct children of a process (all its threads), from /proc/PID/task/TID/children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const line of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)) {
      if (line) out.push(Number(line));
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

/** The job runs when a descendant has the jail as its root and the job's uid (after the last exec). */
function isJob(pid: number, jail: string, uid: number): boolean {
  try {
    if (readlinkSync(`/proc/${pid}/root`) !== jail) return false;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uids = /^Uid:\s+(\d+)/m.exec(status);
    return uids !== null && Number(uids[1]) === uid;
  } catch {
    return false;
  }
}

/** Polls until the job is found or `alive()` says the run is over; resolves null then. */
export async function waitForJob(
  top: number,
  jail: string,
  uid: number,
  alive: () => boolean,
): Promise<number | null> {
  while (alive()) {
    const found = descendants(top).find((p) => isJob(p, jail, uid));
    if (found !== undefined) return found;
    await sleep(10);
  }
  return null;
}
