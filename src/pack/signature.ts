import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { errnoCode, PackError } from '../errors.js';
import { minisignPublicKey, parseMinisignPublicKey } from './minisign.js';

/** `.jailsmith/signature`: an ed25519 signature over the manifest's sha256. */
export interface PackageSignature {
  format: 1;
  algorithm: 'ed25519';
  /** sha256 (hex) of the exact manifest.json bytes. */
  manifestSha256: string;
  /** sha256 of the public key's SPKI DER, so a user can tell which key signed. */
  keyId: string;
  /** base64 */
  signature: string;
}

/** Domain-separated message, so a jailsmith signature can never be replayed as something else. */
function message(digestHex: string): Buffer {
  return Buffer.from(`jailsmith package manifest sha256:${digestHex}`);
}

export function keyIdOf(pub: KeyObject): string {
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export interface KeygenResult {
  privateKey: string;
  publicKey: string;
  /** The same public key for minisign and signify (`-p FILE`). */
  minisignPublicKey: string;
  keyId: string;
}

/**
 * Writes PREFIX (private, PKCS#8 PEM, 0600), PREFIX.pub (SPKI PEM, which openssl reads) and
 * PREFIX.minisign.pub (what minisign and signify read); never overwrites.
 */
export function keygen(prefix: string): KeygenResult {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pubFile = `${prefix}.pub`;
  const miniFile = `${prefix}.minisign.pub`;
  try {
    writeFileSync(prefix, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
    writeFileSync(miniFile, minisignPublicKey(publicKey), { mode: 0o644, flag: 'wx' });
  } catch (e) {
    const code = errnoCode(e);
    throw new PackError('KEY_WRITE', `cannot write key: ${code ?? e}`, {
      path: code === 'EEXIST' ? (e as { path?: string }).path : prefix,
      hint: code === 'EEXIST' ? 'keys are never overwritten; choose another prefix' : undefined,
    });
  }
  return { privateKey: prefix, publicKey: pubFile, minisignPublicKey: miniFile, keyId: keyIdOf(publicKey) };
}

function readKey(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PackError('KEY_UNREADABLE', `cannot read key: ${errnoCode(e) ?? e}`, { path: file });
  }
}

export function loadPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKey(file));
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError('KEY_INVALID', 'not a PEM private key', {
      path: file,
      hint: 'make one with jailsmith keygen',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new PackError('KEY_INVALID', 'not an ed25519 key', { path: file });
  return key;
}

/** A public key: SPKI PEM (keygen's PREFIX.pub), or a minisign/signify public key file. */
export function loadPublicKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    const text = readKey(file);
    key = parseMinisignPublicKey(text) ?? createPublicKey(text);
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError('KEY_INVALID', 'not a PEM public key', {
      path: file,
      hint: 'use the .pub or .minisign.pub file from keygen',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new PackError('KEY_INVALID', 'not an ed25519 key', { path: file });
  return key;
}

export function signManifest(digestHex: string, key: KeyObject): Buffer {
  const pub = createPublicKey(key);
  const sig: PackageSignature = {
    format: 1,
    algorithm: 'ed25519',
    manifestSha256: digestHex,
    keyId: keyIdOf(pub),
    signature: sign(null, message(digestHex), key).toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(sig, null, 2)}\n`);
}

/** Null when the signature is valid for `digestHex` under `pub`, else the reason. */
export function checkSignature(bytes: Buffer, digestHex: string, pub: KeyObject): string | null {
  let sig: Partial<PackageSignature>;
  try {
    sig = JSON.parse(bytes.toString('utf8')) as Partial<PackageSignature>;
  } catch {
    return 'signature file is not JSON';
  }
  if (sig.algorithm !== 'ed25519' || typeof sig.signature !== 'string') return 'signature file is malformed';
  if (sig.manifestSha256 !== digestHex) return 'signature is for a different manifest';
  const ok = verify(null, message(digestHex), pub, Buffer.from(sig.signature, 'base64'));
  return ok
    ? null
    : `signature does not verify with the trusted key (signed by key ${String(sig.keyId).slice(0, 16)})`;
}
