/**
 * Signatures and public keys in minisign's legacy format, which is also signify's: the same
 * ed25519 key signs the message's own bytes, so `minisign -V`, `signify -V` and
 * `openssl pkeyutl -verify -rawin` check a jailsmith signature without jailsmith.
 *
 *   untrusted comment: ...
 *   base64("Ed" || keynum[8] || ed25519(message))
 *   trusted comment: ...                              (minisign; signify stops after line 2)
 *   base64(ed25519(signature || trusted comment))
 *
 * keynum is the first 8 bytes of the jailsmith key id (sha256 of the SPKI DER), so an existing
 * PEM key gets one stable minisign/signify identity.
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

const ALG = Buffer.from('Ed');

export function keynumOf(pub: KeyObject): Buffer {
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest()
    .subarray(0, 8);
}

/** minisign prints the keynum as a little-endian 64-bit hex number. */
const keyIdText = (keynum: Buffer): string => Buffer.from(keynum).reverse().toString('hex').toUpperCase();

function rawPublic(pub: KeyObject): Buffer {
  return Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
}

/** The public key as minisign and signify read it (`-p FILE`). */
export function minisignPublicKey(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const keynum = keynumOf(pub);
  const b64 = Buffer.concat([ALG, keynum, rawPublic(pub)]).toString('base64');
  return `untrusted comment: minisign public key ${keyIdText(keynum)}\n${b64}\n`;
}

/** A minisign/signify public key file's text as a KeyObject, or null when it is not one. */
export function parseMinisignPublicKey(text: string): KeyObject | null {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('untrusted comment:')) return null;
  const raw = Buffer.from(lines[1] ?? '', 'base64');
  if (raw.length !== 42 || !raw.subarray(0, 2).equals(ALG)) return null;
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.subarray(10).toString('base64url') },
    format: 'jwk',
  });
}

/** A detached signature of `message` (the file's exact bytes) in minisign's legacy format. */
export function minisignSign(message: Buffer, key: KeyObject, trustedComment: string): string {
  const keynum = keynumOf(createPublicKey(key));
  const sig = sign(null, message, key);
  const global = sign(null, Buffer.concat([sig, Buffer.from(trustedComment)]), key);
  return (
    `untrusted comment: signature from jailsmith key ${keyIdText(keynum)}\n` +
    `${Buffer.concat([ALG, keynum, sig]).toString('base64')}\n` +
    `trusted comment: ${trustedComment}\n${global.toString('base64')}\n`
  );
}

/**
 * Null when `text` is a valid signature of `message` under `pub` (its trusted comment too, when
 * present), else the reason.
 */
export function minisignCheck(text: string, message: Buffer, pub: KeyObject): string | null {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('untrusted comment:')) return 'signature file is malformed';
  const raw = Buffer.from(lines[1] ?? '', 'base64');
  if (raw.length !== 74) return 'signature file is malformed';
  if (!raw.subarray(0, 2).equals(ALG)) return 'signature is not a legacy ed25519 (Ed) signature';
  const keynum = raw.subarray(2, 10);
  if (!keynum.equals(keynumOf(pub)))
    return `signature is by another key (${keyIdText(keynum)}, trusted ${keyIdText(keynumOf(pub))})`;
  const sig = raw.subarray(10);
  if (!verify(null, message, pub, sig)) return 'signature does not verify with the trusted key';
  const tc = lines[2];
  if (tc !== undefined && tc !== '') {
    if (!tc.startsWith('trusted comment: ')) return 'signature file is malformed';
    const global = Buffer.from(lines[3] ?? '', 'base64');
    const signed = Buffer.concat([sig, Buffer.from(tc.slice('trusted comment: '.length))]);
    if (!verify(null, signed, pub, global)) return 'the trusted comment does not verify';
  }
  return null;
}
