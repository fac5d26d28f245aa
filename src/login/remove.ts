import path from 'node:path';
import { LoginError } from '../errors.js';
import {
  acquireLock,
  jailPaths,
  readJailFile,
  removeEmptyJailDir,
  removeJailFile,
  removeJailTree,
  under,
} from '../root/index.js';
import { mergeAll } from './accounts-text.js';
import { checkChroot } from './chroot-rules.js';
import {
  checkSshdDir,
  DEFAULT_SSHD_CONFIG,
  DEFAULT_SSHD_DIR,
  dropInPath,
  readDropIn,
  removeDropIn,
  type SshdOptions,
  sshdTest,
} from './dropin.js';
import { deleteAccount, hostAccount } from './host-accounts.js';
import { jailAccountFiles } from './jail-side.js';
import { checkConfigPath, checkUserName } from './names.js';
import { readRecord, writeRecord } from './record.js';
import { removeKeys, writeAccountFiles } from './steps.js';
import { allowListPath, type LoginUser, LSH_PATH } from './types.js';

export interface RemoveLoginOptions extends SshdOptions {
  name: string;
  /** Also delete the home inside the jail (it is kept by default: it is the user's data). */
  purgeHome?: boolean;
  /** The jail, when the drop-in is gone and only the jail's record knows the user. */
  jail?: string;
}

export interface RemoveLoginResult {
  user: LoginUser;
  accountRemoved: boolean;
  homeRemoved: boolean;
  notes: string[];
}

/**
 * Takes a login user out: the host account first (if `user add` made it; from then on nobody can
 * log in as it), then the jail's lines, allow-list, keys and record, then the drop-in, and sshd -t
 * must still pass. The home inside the jail stays unless `purgeHome`.
 */
export function removeLoginUser(opts: RemoveLoginOptions): RemoveLoginResult {
  const { jail, release } = lockJail(opts);
  try {
    return removeLocked(opts, jail);
  } finally {
    release();
  }
}

/** The jail the user belongs to, with its build lock held (see addLoginUser). */
function lockJail(opts: RemoveLoginOptions): { jail: string; release: () => void } {
  const name = checkUserName(opts.name);
  const sshdDir = checkConfigPath(opts.sshdDir ?? DEFAULT_SSHD_DIR, 'the sshd drop-in directory');
  checkSshdDir(sshdDir);
  const dropIn = dropInPath(sshdDir, name);
  const jail =
    readDropIn(dropIn)?.jail ??
    (opts.jail === undefined ? undefined : checkConfigPath(opts.jail, 'the jail'));
  if (jail === undefined)
    throw new LoginError(
      'LOGIN_NOT_JAILED',
      `${name} has no jailsmith drop-in here (give --jail if only the jail knows it)`,
      {
        path: dropIn,
      },
    );
  checkChroot(jail);
  return { jail, release: acquireLock(jailPaths(jail)) };
}

function removeLocked(opts: RemoveLoginOptions, jail: string): RemoveLoginResult {
  const name = checkUserName(opts.name);
  const sshdDir = checkConfigPath(opts.sshdDir ?? DEFAULT_SSHD_DIR, 'the sshd drop-in directory');
  const sshdConfig = path.resolve(opts.sshdConfig ?? DEFAULT_SSHD_CONFIG);
  const dropIn = dropInPath(sshdDir, name);
  const fromDropIn = readDropIn(dropIn);
  const rec = readRecord(jail);
  const record = rec.users;
  const u = record.find((r) => r.name === name) ?? fromDropIn;
  const keptHome = rec.kept.find((k) => k.name === name);
  if ((u === null || u === undefined) && keptHome !== undefined && opts.purgeHome) {
    // Only a home kept by an earlier removal is left: purge it now.
    removeJailTree(jail, keptHome.home);
    writeRecord(jail, { users: record, kept: rec.kept.filter((k) => k !== keptHome) });
    return {
      user: {
        ...keptHome,
        group: name,
        shell: '',
        mode: 'sftp',
        allow: [],
        created: false,
        jail,
        dropIn,
        keysFile: '',
      },
      accountRemoved: false,
      homeRemoved: true,
      notes: [],
    };
  }
  if (u === null || u === undefined)
    throw new LoginError('LOGIN_NOT_JAILED', `${name} is not a login user of ${jail}`, { path: jail });
  const broken = sshdTest(sshdConfig);
  if (broken !== null)
    throw new LoginError('LOGIN_SSHD_BROKEN', `sshd already refuses its configuration: ${broken}`, {
      path: sshdConfig,
    });
  const acct = hostAccount(name);
  if (u.created && acct !== null && acct.uid !== u.uid)
    throw new LoginError(
      'LOGIN_ACCOUNT_CHANGED',
      `the host account ${name} now has uid ${acct.uid}, not the ${u.uid} jailsmith made: left alone`,
      { path: '/etc/passwd' },
    );
  const files = jailAccountFiles(jail);
  const others = record.filter((r) => r.name !== name);
  // Own group only: a shared primary group of an --existing account may be the spec's.
  const dropGroups = u.group === name && !others.some((o) => o.group === name) ? [name] : [];
  const after = mergeAll(files, [], { users: [name], groups: dropGroups });

  const accountRemoved = u.created && acct !== null;
  if (accountRemoved) deleteAccount(name, u.group);
  writeAccountFiles(jail, after);
  if (u.allow.length > 0) {
    removeJailFile(jail, allowListPath(name));
    removeEmptyJailDir(jail, path.dirname(allowListPath(name)));
    removeEmptyJailDir(jail, path.dirname(path.dirname(allowListPath(name))));
    if (!others.some((o) => o.allow.length > 0) && readJailFile(jail, LSH_PATH) !== undefined) {
      removeJailFile(jail, LSH_PATH);
      removeEmptyJailDir(jail, path.dirname(LSH_PATH));
    }
  }
  removeKeys(u.keysFile);
  const kept = rec.kept.filter((k) => k.home !== u.home);
  if (!opts.purgeHome) kept.push({ name, home: u.home, uid: u.uid, gid: u.gid });
  writeRecord(jail, { users: others, kept });
  removeDropIn(dropIn);
  const refused = sshdTest(sshdConfig);
  if (refused !== null)
    throw new LoginError(
      'LOGIN_SSHD_REFUSED',
      `sshd refuses its configuration after the removal: ${refused}`,
      {
        path: sshdConfig,
      },
    );
  if (opts.purgeHome) removeJailTree(jail, u.home);
  const notes: string[] = [
    'sshd keeps the configuration it started with: reload it (systemctl reload ssh) to drop the Match block',
  ];
  if (!opts.purgeHome)
    notes.push(
      `kept the home ${under(jail, u.home)}, rebuilds keep it too (\`jailsmith user remove ${name} --jail ${jail} --purge-home\` removes it)`,
    );
  if (!u.created)
    notes.push(
      `${name} was an existing account: it stays, and now logs in to the host like any other account`,
    );
  return { user: u, accountRemoved, homeRemoved: opts.purgeHome === true, notes };
}
