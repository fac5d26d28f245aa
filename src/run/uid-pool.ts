/**
 * Per-job host uids (as the IOI isolate sandbox gives each box its own): every concurrent job runs
 * as a host uid (= gid) no other job, host account or subordinate id range has, so signals, ptrace,
 * RLIMIT_NPROC, keyrings and file ownership never cross jobs or land on a real account.
 *
 * A uid is held by listening on an abstract unix socket named after it: the kernel makes the bind
 * atomic across every jailsmith process of the host's network namespace, and frees it when the
 * holder closes it or dies, so no lock file can go stale.
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { RunError, UsageError } from '../errors.js';
import { factKey, settled } from '../resolve/file-facts.js';
import { accountRecords, idField } from '../sys/index.js';
import type { UidRange } from './types.js';

/** Clear of Debian's system and user ids, subuid ranges (100000 + 65536 n) and systemd-nspawn's 0x80000-0x6fffffff. */
export const DEFAULT_UID_RANGE: UidRange = { first: 2_000_000_000, last: 2_000_065_535 };
export const RUN_CONFIG_FILE = '/etc/jailsmith/run.json';

/** "FIRST-LAST" (inclusive), both above 0 and below 2^32-1. */
export function parseUidRange(text: string, what: string): UidRange {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 1 || last < first || last >= 0xffffffff) {
    throw new UsageError(
      'RUN_BAD_UID_RANGE',
      `${what}: expected FIRST-LAST (1 ≤ FIRST ≤ LAST < 4294967295), got "${text}"`,
    );
  }
  return { first, last };
}

/** The configured range: the option, else JAILSMITH_UID_RANGE, else /etc/jailsmith/run.json's uidRange, else the default. */
export function configuredUidRange(
  given?: UidRange,
  env = process.env,
  configFile = RUN_CONFIG_FILE,
): UidRange {
  if (given) return given;
  if (env.JAILSMITH_UID_RANGE) return parseUidRange(env.JAILSMITH_UID_RANGE, 'JAILSMITH_UID_RANGE');
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch {
    return DEFAULT_UID_RANGE;
  }
  let conf: { uidRange?: unknown };
  try {
    conf = JSON.parse(text);
  } catch (e) {
    throw new UsageError('RUN_BAD_CONFIG', `not JSON: ${(e as Error).message}`, { path: configFile });
  }
  if (conf.uidRange === undefined) return DEFAULT_UID_RANGE;
  if (typeof conf.uidRange !== 'string') {
    throw new UsageError('RUN_BAD_CONFIG', 'uidRange must be a string "FIRST-LAST"', { path: configFile });
  }
  return parseUidRange(conf.uidRange, `${configFile} uidRange`);
}

interface Taken {
  file: string;
  what: string;
  first: number;
  last: number;
}

/** Ids in use on the host: passwd uids, group gids, and subordinate ranges. */
function takenIds(files: { passwd: string; group: string; subuid: string; subgid: string }): Taken[] {
  const out: Taken[] = [];
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').split('\n');
    } catch {
      return [];
    }
  };
  for (const [file, field] of [
    [files.passwd, 2],
    [files.group, 2],
  ] as const) {
    // Every line with a numeric id counts, well-formed or not: an id in use must never be handed out.
    for (const { fields: f } of accountRecords(read(file).join('\n'))) {
      const id = idField(f[field]);
      if (id !== undefined) out.push({ file, what: f[0] ?? '', first: id, last: id });
    }
  }
  for (const file of [files.subuid, files.subgid]) {
    for (const line of read(file)) {
      const f = line.split(':');
      if (f.length === 3 && /^\d+$/.test(f[1] ?? '') && /^\d+$/.test(f[2] ?? '')) {
        const first = Number(f[1]);
        out.push({ file, what: f[0] ?? '', first, last: first + Number(f[2]) - 1 });
      }
    }
  }
  return out;
}

export const HOST_ID_FILES = {
  passwd: '/etc/passwd',
  group: '/etc/group',
  subuid: '/etc/subuid',
  subgid: '/etc/subgid',
};

/**
 * The id files' stat keys (resolve/file-facts.ts): unchanged, so is what they say. Null while one
 * changed within the racy window (a second write could keep its key): then nothing is remembered.
 */
function filesKey(files: typeof HOST_ID_FILES): string | null {
  const keys: string[] = [];
  for (const f of Object.values(files)) {
    const st = statSync(f, { bigint: true, throwIfNoEntry: false });
    if (st && !settled(st)) return null;
    keys.push(st ? factKey(st) : '-');
  }
  return keys.join(' ');
}

/** The last range found clear, with the files it was checked against: a job start re-reads nothing. */
let lastClear: string | undefined;

/** Refuses a range that overlaps a host account, group or subordinate id range. */
export function checkUidRange(range: UidRange, files = HOST_ID_FILES): void {
  const stats = filesKey(files);
  const key = stats === null ? undefined : `${range.first}-${range.last} ${JSON.stringify(files)} ${stats}`;
  if (key !== undefined && key === lastClear) return;
  for (const t of takenIds(files)) {
    if (t.first <= range.last && t.last >= range.first) {
      const ids = t.first === t.last ? `id ${t.first}` : `ids ${t.first}-${t.last}`;
      throw new UsageError(
        'RUN_UID_RANGE_OVERLAP',
        `the job uid range ${range.first}-${range.last} overlaps ${t.what || '?'} (${ids}) in ${t.file}`,
        { path: t.file, hint: `choose another with --uid-range, JAILSMITH_UID_RANGE or ${RUN_CONFIG_FILE}` },
      );
    }
  }
  lastClear = key;
}

export interface HeldUid {
  uid: number;
  release(): Promise<void>;
}

function tryHold(uid: number): Promise<net.Server | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') resolve(null);
      else reject(e);
    });
    server.listen({ path: `\0jailsmith-job-uid-${uid}`, exclusive: true }, () => {
      server.unref();
      resolve(server);
    });
  });
}

/** Holds a free uid of the range for one job; starts at a random place so concurrent callers rarely meet. */
export async function holdUid(range: UidRange): Promise<HeldUid> {
  const count = range.last - range.first + 1;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const uid = range.first + ((start + i) % count);
    const server = await tryHold(uid);
    if (server) {
      return { uid, release: () => new Promise<void>((r) => server.close(() => r())) };
    }
  }
  throw new RunError(
    'RUN_NO_FREE_UID',
    `every uid of ${range.first}-${range.last} is held by a running job`,
    {
      hint: 'widen the range (--uid-range) or run fewer jobs at once',
    },
  );
}
