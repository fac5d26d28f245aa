/**
 * The registry client: Debian's skopeo (containers/image), started with an argv array. Its
 * failures become one-line typed errors; TLS verification is on unless turned off, and
 * credentials are passed as skopeo takes them (--creds USER:PASS, --authfile FILE).
 */
import { execa } from 'execa';
import { PackageRefused, PackError, UsageError } from '../errors.js';

export interface RegistryOptions {
  /** Verify the registry's TLS certificate (default true; false also allows plain http). */
  tlsVerify?: boolean;
  /** USER[:PASSWORD] */
  creds?: string;
  /** A containers-auth.json file (as `skopeo login` or `podman login` write). */
  authfile?: string;
}

/** Flags for a side that talks to a registry: `src` or `dest` (copy), or none (inspect). */
export function registryFlags(o: RegistryOptions, side?: 'src' | 'dest'): string[] {
  const p = side ? `--${side}-` : '--';
  const out = [`${p}tls-verify=${o.tlsVerify === false ? 'false' : 'true'}`];
  if (o.creds !== undefined) out.push(`${p}creds`, o.creds);
  if (o.authfile !== undefined) out.push('--authfile', o.authfile);
  return out;
}

/** The last meaningful line of skopeo's stderr (its messages nest causes with ": "). */
function reason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^time="[^"]*" level=\w+ msg="(.*)"$/, '$1').trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? 'skopeo failed')
    .replace(/\\"/g, '"')
    .replace(/^Error: /, '')
    .replace(/^Error parsing image name "[^"]*": /, '')
    .replace(/^(?:initializing source|reading manifest|writing blob|trying to reuse blob)[^:]*: /, '');
}

export interface SkopeoResult {
  /** stdout byte for byte (a raw manifest must hash to its digest). */
  stdout: Buffer;
}

/**
 * Runs skopeo. `what` names the reference for messages. A missing skopeo is a usage problem of
 * this host (exit 2), as is an unreachable registry or a missing image; a digest mismatch while
 * copying is a refusal.
 */
export async function skopeo(
  args: string[],
  what: string,
  opts: { timeout?: number } = {},
): Promise<SkopeoResult> {
  let r: Awaited<ReturnType<typeof execa>>;
  try {
    r = await execa('skopeo', args, {
      reject: false,
      timeout: opts.timeout ?? 600_000,
      stdin: 'ignore',
      encoding: 'buffer',
      stripFinalNewline: false,
    });
  } catch (e) {
    throw new UsageError('REGISTRY_NO_SKOPEO', `cannot start skopeo: ${(e as Error).message}`, {
      hint: 'apt-get install skopeo',
    });
  }
  if ((r as { code?: string }).code === 'ENOENT' || r.exitCode === undefined) {
    throw new UsageError('REGISTRY_NO_SKOPEO', 'skopeo is not installed (push and pull use it)', {
      hint: 'apt-get install skopeo',
    });
  }
  if (r.exitCode === 0) return { stdout: Buffer.from(r.stdout as Uint8Array) };
  const why = reason(Buffer.from(r.stderr as Uint8Array).toString('utf8'));
  if (/digest|does not match|checksum/i.test(why) && !/manifest unknown|not found/i.test(why))
    throw new PackageRefused('REGISTRY_TAMPERED', `refused: ${why}`, { path: what });
  if (/manifest unknown|not found|name unknown/i.test(why))
    throw new UsageError('REGISTRY_NOT_FOUND', 'no such image in the registry', { path: what });
  if (/unauthorized|authentication required|denied/i.test(why))
    throw new UsageError('REGISTRY_DENIED', `the registry refused the credentials: ${why}`, {
      path: what,
      hint: '--creds USER:PASS or --authfile FILE',
    });
  if (/connect|dial tcp|no such host|timeout|server gave HTTP response to HTTPS|tls|x509/i.test(why))
    throw new UsageError('REGISTRY_UNREACHABLE', `cannot reach the registry: ${why}`, {
      path: what,
      hint: /HTTP response to HTTPS|x509|tls/i.test(why)
        ? '--tls-verify=false for a plain-http or self-signed registry'
        : undefined,
    });
  throw new PackError('REGISTRY_FAILED', `skopeo failed: ${why}`, { path: what });
}
