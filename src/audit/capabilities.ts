import { CAP_NAMES } from '../sys/index.js';

export { CAP_NAMES };

/**
 * Capabilities that lead out of a chroot or to root with no further bug (capabilities(7)):
 * chroot again, mount, mknod a disk, ptrace a host process, open_by_handle_at (shocker), write
 * any file, become any uid, load a module, raw I/O, rewrite file caps, reboot.
 */
export const ESCAPE_CAPS: ReadonlySet<string> = new Set([
  'cap_sys_admin',
  'cap_sys_ptrace',
  'cap_sys_module',
  'cap_dac_read_search',
  'cap_dac_override',
  'cap_setuid',
  'cap_setgid',
  'cap_sys_chroot',
  'cap_mknod',
  'cap_chown',
  'cap_fowner',
  'cap_sys_rawio',
  'cap_net_admin',
  'cap_bpf',
  'cap_sys_boot',
  'cap_setfcap',
  'cap_setpcap',
  'cap_checkpoint_restore',
]);

/** Names of the bits set in a capability mask; unknown high bits print as cap_N. */
export function capNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    if ((mask >> BigInt(i)) & 1n) out.push(CAP_NAMES[i] ?? `cap_${i}`);
  }
  return out;
}

export function escapeCaps(mask: bigint): string[] {
  return capNames(mask).filter((c) => ESCAPE_CAPS.has(c));
}
