/**
 * Runs a command in a mount namespace of its own, after a shell step that changes mounts there
 * (binds a file over a host tool, mounts a tmpfs): the host's mounts stay as they are. The step
 * sees `args` as $1.., the command gets none of them.
 */
export function inOwnMountNs(
  step: string,
  args: readonly string[],
  command: readonly string[],
): [string, string[]] {
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${step} && shift ${args.length} && exec "$@"`,
      'sh',
      ...args,
      ...command,
    ],
  ];
}
