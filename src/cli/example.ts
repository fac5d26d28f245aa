/**
 * One entry of a command's Examples: its note as a shell comment, then the command on a line of
 * its own. yargs puts a described example in a column capped at half the help width, which broke
 * most of ours mid-argument; an example without a description gets the whole width.
 */
export function example(cmd: string, note: string): [string, string] {
  return [note ? `# ${note}\n${cmd}` : cmd, ''];
}
