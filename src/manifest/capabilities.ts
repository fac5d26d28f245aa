import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ManifestError } from '../errors.js';
import { parseGetfattr } from '../sys/index.js';

/**
 * The security.capability xattr of every file under `dir`, keyed by jail path ('/bin/ping').
 * One getfattr run for the whole tree (not one per file); -P and -h so no link is followed.
 */
export function capabilitiesOf(dir: string): Map<string, string> {
  const root = path.resolve(dir);
  const r = spawnSync(
    'getfattr',
    ['-R', '-P', '-h', '-d', '-m', '^security\\.capability$', '-e', 'hex', '--absolute-names', root],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.error) {
    throw new ManifestError('GETFATTR_FAILED', `cannot run getfattr: ${r.error.message}`, {
      path: dir,
      hint: 'install the Debian package attr',
    });
  }
  if (r.status !== 0) {
    throw new ManifestError(
      'GETFATTR_FAILED',
      `getfattr failed: ${r.stderr.toString('utf8').trim().split('\n')[0]}`,
      {
        path: dir,
      },
    );
  }
  const out = new Map<string, string>();
  // Names are raw bytes (latin1 keys); the manifest's paths are the walker's UTF-8 names.
  for (const [name, value] of parseGetfattr(r.stdout)) {
    const abs = Buffer.from(name, 'latin1').toString('utf8');
    const hex = value.toString('hex');
    if (abs === root) out.set('/', hex);
    else if (abs.startsWith(`${root === '/' ? '' : root}/`))
      out.set(abs.slice(root === '/' ? 0 : root.length), hex);
  }
  return out;
}
