import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { errnoCode, LoginError } from '../errors.js';

/**
 * A public key file given to `user add --key`: one key a line as ssh-keygen writes them
 * (`TYPE BASE64 [comment]`, `#` comments and blank lines allowed). Each key's blob must decode and
 * name its own type in its first field, which is what sshd checks; a private key, a line with
 * authorized_keys options, or a file without a key is refused before anything changes.
 */
const TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

export interface PublicKey {
  type: string;
  blob: string;
  comment: string;
}

const MAX = 64 * 1024;

export function readKeyFile(file: string): PublicKey[] {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new LoginError('LOGIN_KEY_UNREADABLE', `cannot read the key file (${errnoCode(e)})`, {
      path: file,
    });
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX)
      throw new LoginError('LOGIN_KEY_INVALID', 'the key file is not a regular file of at most 64 KiB', {
        path: file,
      });
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  return parseKeys(text, file);
}

export function parseKeys(text: string, file: string): PublicKey[] {
  if (text.includes('PRIVATE KEY'))
    throw invalid(file, 'this is a private key: give the public one (the .pub file)');
  const keys: PublicKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [type = '', blob = '', ...rest] = line.split(/\s+/);
    const where = `line ${i + 1}`;
    if (!TYPES.has(type)) {
      throw invalid(
        file,
        TYPES.has(blob)
          ? `${where}: authorized_keys options are not taken (the sshd drop-in sets the restrictions)`
          : `${where}: not a public key (unknown key type "${type.slice(0, 40)}")`,
      );
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) throw invalid(file, `${where}: the key is not base64`);
    const buf = Buffer.from(blob, 'base64');
    const n = buf.length >= 4 ? buf.readUInt32BE(0) : -1;
    if (n < 1 || 4 + n > buf.length || buf.subarray(4, 4 + n).toString('latin1') !== type)
      throw invalid(file, `${where}: the key's data does not hold a ${type} key`);
    keys.push({ type, blob, comment: rest.join(' ') });
  });
  if (keys.length === 0) throw invalid(file, 'no public key in the file');
  return keys;
}

/** authorized_keys text for the managed keys file. */
export function keysText(keys: PublicKey[]): string {
  return keys.map((k) => `${k.type} ${k.blob}${k.comment ? ` ${k.comment}` : ''}\n`).join('');
}

function invalid(file: string, why: string): LoginError {
  return new LoginError('LOGIN_KEY_INVALID', `the key file does not parse: ${why}`, { path: file });
}
