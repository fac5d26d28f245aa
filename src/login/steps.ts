import { lstatSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { errnoCode, LoginError } from '../errors.js';
import { makeJailDir, readJailFile, removeJailFile, removeJailTree, replaceJailFile } from '../root/index.js';
import { writeFileAtomic } from '../sys/index.js';
import type { AccountDb } from './accounts-text.js';
import type { AddPlan } from './add.js';
import { effectiveProblems, removeDropIn, sshdTest, sshdTestCandidate, writeDropIn } from './dropin.js';
import { createAccount, deleteAccount } from './host-accounts.js';
import { allowListText, lshScript } from './jail-side.js';
import { keysText } from './keys.js';
import { writeRecord } from './record.js';
import { allowListPath, LSH_PATH } from './types.js';

type Undo = () => void;

/**
 * Runs `steps` in order; when one throws, the undo of every step done so far runs in reverse and
 * the first error is rethrown. An undo that fails too is added to the message: the admin must know
 * what was left behind.
 */
export function transaction(steps: [string, () => Undo | undefined][]): void {
  const done: [string, Undo][] = [];
  try {
    for (const [name, step] of steps) {
      const undo = step();
      if (undo) done.push([name, undo]);
    }
  } catch (e) {
    const left: string[] = [];
    for (const [name, undo] of done.reverse()) {
      try {
        undo();
      } catch (u) {
        left.push(`${name}: ${(u as Error).message}`);
      }
    }
    if (left.length > 0 && e instanceof Error) e.message += `; could not take back: ${left.join('; ')}`;
    throw e;
  }
}

const ACCOUNT_MODES: Record<AccountDb, number> = { passwd: 0o644, group: 0o644, shadow: 0o600 };

export function writeAccountFiles(jail: string, files: Record<AccountDb, string>): void {
  for (const db of ['group', 'passwd', 'shadow'] as const)
    replaceJailFile(jail, `/etc/${db}`, files[db], { mode: ACCOUNT_MODES[db], uid: 0, gid: 0 });
}

/** Writes a root-owned file outside the jail (the managed keys) by rename, never through a link. */
export function writeRootFile(file: string, text: string, mode: number): void {
  writeFileAtomic(file, text, { mode });
}

export function removeKeys(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw e;
  }
  try {
    rmdirSync(path.dirname(file));
  } catch {
    // other users' keys are still there
  }
}

function ensureKeysDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o755 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0)
    throw new LoginError(
      'LOGIN_KEYS_DIR',
      'the managed keys directory is not a root-owned, non-writable directory',
      {
        path: dir,
      },
    );
  // sshd reads the keys as the user (StrictModes): the directory must be searchable by others.
  if ((st.mode & 0o005) !== 0o005)
    throw new LoginError('LOGIN_KEYS_DIR', 'the managed keys directory must be readable by others (0755)', {
      path: dir,
    });
}

/** The changes of `user add`, in the order that never lets the account log in unjailed. */
export function applyAdd(p: AddPlan): void {
  const u = p.user;
  const jail = u.jail;
  const lshBefore = readJailFile(jail, LSH_PATH);
  transaction([
    // The drop-in first: from the moment the account exists, sshd already jails it.
    [
      'drop-in',
      () => {
        const bad = sshdTestCandidate(p.sshdConfig, u.name, p.dropInText);
        if (bad !== null)
          throw new LoginError('LOGIN_SSHD_REFUSED', `sshd refuses the drop-in, not installed: ${bad}`, {
            path: u.dropIn,
          });
        writeDropIn(u.dropIn, p.dropInText);
        const undo = () => removeDropIn(u.dropIn);
        const refused = sshdTest(p.sshdConfig);
        if (refused !== null) {
          undo();
          throw new LoginError('LOGIN_SSHD_REFUSED', `sshd refuses the drop-in, taken back: ${refused}`, {
            path: u.dropIn,
          });
        }
        const wrong = effectiveProblems(p.sshdConfig, u);
        if (wrong.length > 0) {
          undo();
          throw new LoginError(
            'LOGIN_SSHD_NOT_APPLIED',
            `sshd would not apply the drop-in to ${u.name} (is ${path.dirname(u.dropIn)}/*.conf included by ${p.sshdConfig}, before any other Match?), taken back: ${wrong.join('; ')}`,
            { path: u.dropIn },
          );
        }
        return undo;
      },
    ],
    [
      'keys',
      () => {
        ensureKeysDir(path.dirname(u.keysFile));
        writeRootFile(u.keysFile, keysText(p.keys), 0o644);
        return () => removeKeys(u.keysFile);
      },
    ],
    [
      'account',
      () => {
        if (!u.created) return undefined;
        createAccount({
          name: u.name,
          id: u.uid,
          home: u.home,
          shell: u.shell,
          comment: `jailsmith login jail ${jail}`,
        });
        return () => deleteAccount(u.name, u.group);
      },
    ],
    [
      'home',
      () => {
        if (p.homeExists) return undefined;
        makeJailDir(jail, u.home, { mode: 0o700, uid: u.uid, gid: u.gid });
        return () => removeJailTree(jail, u.home);
      },
    ],
    [
      'allow-list',
      () => {
        if (u.allow.length === 0) return undefined;
        makeJailDir(jail, path.dirname(LSH_PATH), { mode: 0o755, uid: 0, gid: 0 });
        replaceJailFile(jail, LSH_PATH, lshScript(), { mode: 0o755, uid: 0, gid: 0 });
        makeJailDir(jail, path.dirname(allowListPath(u.name)), { mode: 0o755, uid: 0, gid: 0 });
        replaceJailFile(jail, allowListPath(u.name), allowListText(u), { mode: 0o644, uid: 0, gid: 0 });
        return () => {
          removeJailFile(jail, allowListPath(u.name));
          if (lshBefore === undefined) removeJailFile(jail, LSH_PATH);
        };
      },
    ],
    [
      'jail accounts',
      () => {
        writeAccountFiles(jail, p.after);
        return () => writeAccountFiles(jail, p.before);
      },
    ],
    [
      'record',
      () => {
        writeRecord(jail, {
          users: [...p.others, u],
          kept: p.record.kept.filter((k) => k.home !== u.home),
        });
        return () => writeRecord(jail, p.record);
      },
    ],
  ]);
}
