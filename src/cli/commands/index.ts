import type { CommandModule } from 'yargs';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export type AnyCommand = CommandModule<any, any>;

/**
 * One command as the top level sees it: enough for `jailsmith --help`, completion of command names
 * and "did you mean" hints, without loading the module (and, through it, much of src/). main.ts
 * imports the one module a command line names. `command` and `describe` repeat the module's own;
 * test/cli/commands-table.test.ts keeps the two equal.
 */
export interface CommandEntry {
  /** The yargs command string, e.g. 'run <dir> [command..]'. */
  readonly command: string;
  readonly describe: string;
  readonly aliases?: readonly string[];
  /**
   * The command takes what follows the first `--` (handed over untouched as args['--']); any
   * other command refuses a non-empty tail rather than ignore it.
   */
  readonly tail?: boolean;
  readonly load: () => Promise<AnyCommand>;
}

export const commands: readonly CommandEntry[] = [
  {
    command: 'deps <file..>',
    describe: 'List the files a program needs, resolved like the dynamic loader (nothing is run)',
    load: async () => (await import('./deps.js')).depsCommand,
  },
  {
    command: 'plan <spec>',
    describe: 'Show what a jail built from SPEC would hold (a dry run; --json prints the plan)',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    command: 'build <spec> <dir>',
    describe: 'Build a jail from a spec (or a saved plan) into DIR, swapping it in whole',
    load: async () => (await import('./build.js')).buildCommand,
  },
  {
    command: 'script <spec>',
    describe: 'Write a POSIX shell script that recreates the jail (host copies or a self-contained bundle)',
    load: async () => (await import('./script.js')).scriptCommand,
  },
  {
    command: 'manifest <dir>',
    describe: 'List every entry of a tree (type, mode, owner, size, sha256, link target, device)',
    load: async () => (await import('./manifest.js')).manifestCommand,
  },
  {
    command: 'audit [dir]',
    describe: 'Inspect a jail directory (or a running jailed process) for breakout risks',
    load: async () => (await import('./audit.js')).auditCommand,
  },
  {
    command: 'pack <source>',
    describe: 'Pack a jail (directory or spec) into a reproducible, verifiable package or OCI image',
    load: async () => (await import('./pack.js')).packCommand,
  },
  {
    command: 'install <package> <dir>',
    describe: 'Verify a package entry by entry and install it at DIR (swapped in whole)',
    load: async () => (await import('./install.js')).installCommand,
  },
  {
    command: 'verify <package>',
    describe: 'Check a package against its manifest (and signature) without installing it',
    load: async () => (await import('./verify.js')).verifyCommand,
  },
  {
    command: 'keygen',
    describe: 'Make an ed25519 key pair for signing packages (PREFIX and PREFIX.pub)',
    load: async () => (await import('./keygen.js')).keygenCommand,
  },
  {
    command: 'push <source> <ref>',
    describe:
      'Push an OCI layout (or a jail directory or spec, packed first) to a registry, optionally signed',
    load: async () => (await import('./push.js')).pushCommand,
  },
  {
    command: 'pull <ref> <dir>',
    describe: 'Pull an image from a registry, verify it (and its signature) and install it at DIR',
    load: async () => (await import('./pull.js')).pullCommand,
  },
  {
    command: 'run <dir> [command..]',
    describe: 'Run a command in a jail: namespaces, an unprivileged uid, no network, limits',
    tail: true,
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    command: 'oci-bundle <src> <dir> [command..]',
    describe:
      'Make an OCI runtime bundle (rootfs + config.json) that carries the run policy, for runc or podman',
    tail: true,
    load: async () => (await import('./oci-bundle.js')).ociBundleCommand,
  },
  {
    command: 'k8s <src> [command..]',
    describe: 'Write a Kubernetes Job and NetworkPolicy (and its seccomp profile) that carry the run policy',
    tail: true,
    load: async () => (await import('./k8s.js')).k8sCommand,
  },
  {
    command: 'import <format> <ini> <sections..>',
    describe: 'Convert jailkit ini sections into a jailsmith spec (YAML on stdout)',
    load: async () => (await import('./import.js')).importCommand,
  },
  {
    command: 'completion',
    describe: 'Print a bash or zsh completion script: eval "$(jailsmith completion)"',
    load: async () => (await import('./completion.js')).completionCommand,
  },
  {
    command: 'user <command>',
    describe: 'Login jails: SSH/SFTP accounts that land in a jail (add, remove, list)',
    load: async () => (await import('./user.js')).userCommand,
  },
];

/** The name a command line uses: the first word of the command string. */
export function commandName(c: Pick<CommandEntry, 'command'>): string {
  return c.command.split(' ')[0] as string;
}

/** The entry a word names (its name or an alias), if any. */
export function findCommand(word: string): CommandEntry | undefined {
  return commands.find((c) => commandName(c) === word || (c.aliases ?? []).includes(word));
}
