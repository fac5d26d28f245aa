import { existsSync } from 'node:fs';
import { DEFAULT_SSHD_DIR, listDropIns } from './dropin.js';
import { hostAccount } from './host-accounts.js';
import { checkConfigPath } from './names.js';
import { readLogins } from './record.js';
import type { LoginUser } from './types.js';

export interface LoginListEntry extends LoginUser {
  /** The host account exists with the recorded uid. */
  account: boolean;
  /** The jail's record (what a rebuild keeps) lists the user. */
  recorded: boolean;
  /** The managed keys file exists. */
  keys: boolean;
}

/** The login users of this host: our drop-ins in `sshdDir`, checked against account and record. */
export function listLoginUsers(opts: { sshdDir?: string } = {}): LoginListEntry[] {
  const dir = checkConfigPath(opts.sshdDir ?? DEFAULT_SSHD_DIR, 'the sshd drop-in directory');
  return listDropIns(dir).map((u) => {
    let recorded = false;
    try {
      recorded = readLogins(u.jail).some((r) => r.name === u.name);
    } catch {
      // an unusable record: not recorded
    }
    const a = hostAccount(u.name);
    return { ...u, account: a !== null && a.uid === u.uid, recorded, keys: existsSync(u.keysFile) };
  });
}
