import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { JailError } from '../errors.js';

/** getfattr escapes bytes outside printable ASCII (and '\') as octal "\ooo". */
export function unescapeAttrName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (ch === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else bytes.push(...Buffer.from(ch));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Parses `getfattr -d -e hex` output into absolute path → hex value (without 0x). */
export function parseGetfattr(text: string, attr = 'security.capability'): Map<string, string> {
  const out = new Map<string, string>();
  let file: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeAttrName(line.slice(8));
    else if (file !== undefined && line.startsWith(`${attr}=0x`)) {
      out.set(file, line.slice(attr.length + 3).toLowerCase());
    }
  }
  return out;
}

/**
 * The security.capability xattr of every file under `dir`, keyed by jail path ('/bin/ping').
 * One getfattr run for the whole tree (not one per file); -P and -h so no link is followed.
 */
export function capabilitiesOf(dir: string): Map<string, string> {
  const root = path.resolve(dir);
  const r = spawnSync(
    'getfattr',
    ['-R', '-P', '-h', '-d', '-m', '^security\\.capability$', '-e', 'hex', '--absolute-names', root],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.error) {
    throw new JailError('GETFATTR_FAILED', `cannot run getfattr: ${r.error.message}`, {
      path: dir,
      hint: 'install the Debian package attr',
    });
  }
  if (r.status !== 0) {
    throw new JailError('GETFATTR_FAILED', `getfattr failed: ${r.stderr.trim().split('\n')[0]}`, {
      path: dir,
    });
  }
  const out = new Map<string, string>();
  for (const [abs, hex] of parseGetfattr(r.stdout)) {
    if (abs === root) out.set('/', hex);
    else if (abs.startsWith(`${root === '/' ? '' : root}/`))
      out.set(abs.slice(root === '/' ? 0 : root.length), hex);
  }
  return out;
}
