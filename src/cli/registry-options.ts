import type { Argv } from 'yargs';
import type { RegistryOptions } from '../ship/index.js';

export interface RegistryArgs {
  tlsVerify: boolean;
  creds?: string;
  authfile?: string;
}

/** The flags skopeo itself takes for a registry, under the same names. */
export function withRegistryOptions<T>(y: Argv<T>): Argv<T & RegistryArgs> {
  return y
    .option('tls-verify', {
      type: 'boolean',
      default: true,
      describe: 'Verify the registry’s TLS certificate (--tls-verify=false: also plain http)',
    })
    .option('creds', { type: 'string', describe: 'USER[:PASSWORD] for the registry' })
    .option('authfile', {
      type: 'string',
      describe: 'containers-auth.json with the registry’s credentials (as skopeo/podman login write)',
    }) as unknown as Argv<T & RegistryArgs>;
}

export function registryOptions(a: RegistryArgs): RegistryOptions {
  return {
    tlsVerify: a.tlsVerify,
    ...(a.creds !== undefined ? { creds: a.creds } : {}),
    ...(a.authfile !== undefined ? { authfile: a.authfile } : {}),
  };
}
