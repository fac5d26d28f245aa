// PLACEHOLDER until the seccomp branch merges.
export function seccompProgram(): Buffer {
  throw new Error('seccomp not merged yet');
}
