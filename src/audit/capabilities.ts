/** Linux capability numbers (capability.h), shared by file-capability decoding and the probe. */
export const CAP_NAMES: readonly string[] = [
  'cap_chown',
  'cap_dac_override',
  'cap_dac_read_search',
  'cap_fowner',
  'cap_fsetid',
  'cap_kill',
  'cap_setgid',
  'cap_setuid',
  'cap_setpcap',
  'cap_linux_immutable',
  'cap_net_bind_service',
  'cap_net_broadcast',
  'cap_net_admin',
  'cap_net_raw',
  'cap_ipc_lock',
  'cap_ipc_owner',
  'cap_sys_module',
  'cap_sys_rawio',
  'cap_sys_chroot',
  'cap_sys_ptrace',
  'cap_sys_pacct',
  'cap_sys_admin',
  'cap_sys_boot',
  'cap_sys_nice',
  'cap_sys_resource',
  'cap_sys_time',
  'cap_sys_tty_config',
  'cap_mknod',
  'cap_lease',
  'cap_audit_write',
  'cap_audit_control',
  'cap_setfcap',
  'cap_mac_override',
  'cap_mac_admin',
  'cap_syslog',
  'cap_wake_alarm',
  'cap_block_suspend',
  'cap_audit_read',
  'cap_perfmon',
  'cap_bpf',
  'cap_checkpoint_restore',
];

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
