import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { execa, type ResultPromise } from 'execa';

/** A TCP listener on the host's 127.0.0.1 that counts the connections it accepts. */
export async function hostListener(): Promise<{
  port: number;
  accepted: () => number;
  close: () => Promise<void>;
}> {
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return {
    port: addr.port,
    accepted: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A host process running as `uid` (the job's uid), for kill and ptrace attempts. */
export function hostSleeper(uid: number): ResultPromise {
  return execa('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'sleep', '600'], {
    reject: false,
  });
}

/** Alive and not traced: the state a sleeper must keep through every attack. */
export function processState(pid: number): { alive: boolean; tracerPid: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    return {
      alive: state !== 'Z' && state !== 'X',
      tracerPid: Number(/^TracerPid:\s+(\d+)/m.exec(status)?.[1]),
    };
  } catch {
    return { alive: false, tracerPid: 0 };
  }
}

/** Processes owned by a uid on the host, from /proc. */
export function pidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSafe('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) out.push(Number(name));
    } catch {}
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
