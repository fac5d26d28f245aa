import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CommandEntry, commandName, commands } from '../../src/cli/commands/index.js';
import { commandWord, fastArgs } from '../../src/cli/fast-args.js';
import { main, type ParsePath } from '../../src/cli/main.js';

/**
 * The fast path (yargs-parser alone) against yargs: for every command of the table and lines in
 * every flag form, the args object its handler gets must be the one yargs gives it, and ordinary
 * lines must take the fast path. Both run in this process through main() with a stand-in table:
 * the real modules and builders, with a handler that records its args instead of running.
 */
let captured: unknown;
const table: CommandEntry[] = commands.map((entry) => ({
  ...entry,
  load: async () => ({
    ...(await entry.load()),
    handler: (args: unknown) => {
      captured = structuredClone(args);
    },
  }),
}));

interface Outcome {
  path: ParsePath | undefined;
  args: unknown;
  exitCode: number | string | undefined;
  out: string;
  err: string;
}

async function through(line: string[], fast: boolean): Promise<Outcome> {
  captured = undefined;
  process.exitCode = undefined;
  let path: ParsePath | undefined;
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    await main(line, table, { fast, onPath: (p) => (path = p) });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  return { path, args: captured, exitCode, out, err };
}

afterEach(() => {
  process.exitCode = undefined;
});

/** Ordinary lines, per command: the fast path must take them all. */
const TAIL = ['--', '-0', '1e3', '0x10', '--json', ''];
const ORDINARY: Record<string, string[][]> = {
  deps: [
    ['deps', '/bin/ls'],
    ['deps', '/bin/ls', '/bin/sh', '--tree'],
    ['deps', '--root=/srv/r', '/bin/ls', '--no-tree', '--hwcaps', 'host', '-qv'],
    ['deps', '/bin/ls', '--hwcaps=x86-64-v3,x86-64-v2', '-vv', '--json'],
    ['deps', '1e3', '0x10'],
  ],
  plan: [
    ['plan', 'jails/python.yaml'],
    ['plan', 'x.yaml', '--root', '/r', '--qemu-static'],
    ['plan', '--json', 'x.yaml', '--no-qemu-static'],
    ['plan', 'x.yaml', '--qemuStatic', '--debug'],
  ],
  build: [
    ['build', 'a.yaml', '/d'],
    ['build', 'a.yaml', '/d', '--force', '--unsafe-ancestors', '--qemu-static=false', '-q'],
    ['--json', 'build', 'a', 'b', '--root=/r'],
    ['build', 'a', 'b', '--no-force', '-v', '--debug', '--unsafeAncestors'],
  ],
  script: [
    ['script', 's.yaml'],
    ['script', 's.yaml', '-o', 'out.sh', '--mode', 'bundle', '--no-verify'],
    ['script', 's.yaml', '--output=x', '--mode=host', '--verify'],
    ['script', 's.yaml', '-o', '1e3', '--quiet'],
  ],
  manifest: [
    ['manifest', '/d'],
    ['manifest', '/d', '--no-hash', '--json'],
    ['manifest', '0x10'],
    ['manifest', '1e3', '--hash=false', '-vvv'],
  ],
  audit: [
    ['audit', '/d'],
    ['audit'],
    ['audit', '/d', '--fail-on', 'none', '--allow', 'X', '--allow', 'Y:/a/*', '--sarif'],
    ['audit', '--pid', '42'],
    ['audit', '--pid=42', '--json'],
    ['audit', '--allow', 'A', 'B'],
    ['audit', '--spec', 's.yaml', '/d', '--failOn=low'],
    ['audit', '/d', '--allow=A', '--no-sarif', '-qvv'],
  ],
  pack: [
    ['pack', '/d', '-o', 'x.tar.gz'],
    ['pack', '/d', '--output', 'o', '--format', 'oci', '--tag', '1.0', '--no-setup', '--sign', 'k'],
    ['pack', 's.yaml', '-o=x.tar', '--setup=true', '--tag=7'],
  ],
  install: [
    ['install', 'p.tar', '/d'],
    ['install', 'p.tar', '/d', '--trust', 'k.pub', '-v'],
  ],
  verify: [
    ['verify', 'p.tar'],
    ['verify', 'p.tar', '--trust=k.pub', '--json'],
  ],
  'oci-bundle': [
    ['oci-bundle', '/j', '/b'],
    [
      'oci-bundle',
      '/j',
      '/b',
      '--spec',
      's.yaml',
      '--limit',
      'mem=1M',
      '--host-uid',
      '2000001000',
      '--',
      'prog',
      '-0',
      '1e3',
    ],
    [
      'oci-bundle',
      '/j',
      '/b',
      '--downgrade',
      'cpu',
      '--in-place',
      '--no-runtime-check',
      '--net=host',
      '--tmpfs',
      '/t:1M',
    ],
  ],
  k8s: [
    ['k8s', '/j', '--image', 'r/p@sha256:1'],
    [
      'k8s',
      'spec.yaml',
      '--image=r',
      '--out',
      'o',
      '--name',
      'n',
      '--namespace',
      'ns',
      '--claim',
      '/out=pvc',
      '--',
      'x',
    ],
    [
      'k8s',
      '/j',
      '--image',
      'r',
      '--downgrade',
      'tmpfs',
      '--downgrade',
      'nproc',
      '--timeout',
      '60',
      '--json',
    ],
  ],
  push: [
    ['push', 'layout:1.0', 'localhost:5000/j/p:1.0'],
    ['push', '/srv/j', 'r/p', '--sign', 'k', '--tag', '2', '--tls-verify=false', '--creds', 'u:p'],
  ],
  pull: [
    ['pull', 'localhost:5000/j/p:1.0', '/d'],
    ['pull', 'r/p@sha256:1', '/d', '--trust', 'k.pub', '--authfile', 'a.json', '--no-tls-verify'],
  ],
  keygen: [
    ['keygen'],
    ['keygen', '--export', 'old.pub'],
    ['keygen', '-o', 'k'],
    ['keygen', '--output', 'k', '-q'],
    ['keygen', '--output=0x10'],
  ],
  run: [
    ['run', '/j'],
    ['run', '/j', '--', '/bin/sh', '-c', 'true'],
    ['run', '/j', 'cmd', 'a', '1e3'],
    [
      'run',
      '/j',
      '--bind',
      'a:b',
      '--bind',
      'c:d:rw',
      '--limit',
      'cpu=1',
      '--env',
      'A=1',
      '--env=B=2',
      '--timeout',
      '5',
      '--net',
      'host',
      '--user',
      'nobody',
      '--workdir',
      '/w',
      '--probe',
      '--allow-unsafe',
      '--no-seccomp',
      '--rootless',
      '--tmpfs',
      '/t:1M',
      '--uid-range',
      '1-2',
      '--cgroup-parent',
      'x',
      '--spec',
      's.yaml',
      ...TAIL,
    ],
    ['run', '/j', '-qv', '--json', '--', 'x'],
    ['run', '/j', '--timeout=1.5', '--seccomp', '--allowUnsafe', '--uidRange=5-6', '--', 'x'],
    ['-v', 'run', '-v', '/j', '--', 'x'],
    ['run', '/j', '--net=none', '--bind', 'a:b', 'c:d', '--no-rootless'],
    ['run', '--json', '/j', 'sh', ...TAIL],
    ['run', '/j', '--user', 'a', '--user', 'b', '--timeout', 'abc', '--limit', 'a', 'b', '--net', 'none'],
  ],
  import: [
    ['import', 'jailkit', '/etc/jk.ini', 'basicshell'],
    ['import', 'jailkit', 'i.ini', 'a', 'b', '--root', '/r', '--json'],
  ],
  completion: [['completion'], ['completion', '-q']],
};

/** Lines the fast path must leave to yargs (which prints today's message and exit code). */
const FOR_YARGS: string[][] = [
  ['run', '/j', '--frob'],
  ['run', '/j', '--no-frob'],
  ['run'],
  ['run', '/j', '--net', 'wifi'],
  ['run', '/j', 'python3', '-c', 'x'],
  ['audit', '/d', '--pid', '1'],
  ['push', '/l'],
  ['pull', 'r'],
  ['import', 'jk', 'i.ini', 's'],
  ['manifest', '/a', '/b'],
  ['build', 'a.yaml'],
  ['script', 's.yaml', '--mode', 'zip'],
  ['script', 's.yaml', '-oout.sh'],
  // Nested commands (their handlers are the real ones: only lines that fail before they run).
  ['user'],
  ['user', 'add'],
  ['user', 'list', '--frob'],
  ['frobnicate'],
  ['bulid', 'a', 'b'],
  [],
  ['--json'],
];

/** yargs prints these and may exit the process: checked against the fast path alone. */
const HELP_LIKE: string[][] = [
  ['run', '/j', '--help'],
  ['run', '-h', '/j'],
  ['run', '/j', 'help'],
  ['help'],
  ['--version', 'run', '/j'],
  ['run', '/j', '--version'],
  ['audit', '--get-yargs-completions=x'],
  ['run', '/j', '__complete'],
  ['manifest', '-qh', '/d'],
];

describe('the fast path builds the args yargs gives the handler', () => {
  it('covers every command of the table', () => {
    expect(Object.keys(ORDINARY).sort()).toEqual(
      commands
        .map(commandName)
        .filter((n) => n !== 'user') // nested commands: yargs' path (below)
        .sort(),
    );
  });

  for (const [name, lines] of Object.entries(ORDINARY)) {
    describe(name, () => {
      for (const line of lines) {
        it(line.join(' '), async () => {
          const slow = await through(line, false);
          const fast = await through(line, true);
          expect(slow.path).toBe('yargs');
          expect(slow.err).toBe('');
          expect(slow.exitCode).toBeUndefined();
          expect(slow.args).toBeDefined();
          expect(fast.path).toBe('fast');
          expect(fast.args).toEqual(slow.args);
          expect(fast.exitCode).toBeUndefined();
        });
      }
    });
  }
});

describe('anything else goes to yargs, with its messages and exit codes', () => {
  for (const line of FOR_YARGS) {
    it(line.join(' ') || '(nothing)', async () => {
      const slow = await through(line, false);
      const fast = await through(line, true);
      expect(fast.path).toBe('yargs');
      expect(fast).toEqual(slow);
    });
  }

  it('a tail for a command that takes none: the same refusal on both paths', async () => {
    const line = ['audit', '--allow', 'A', 'B', '--', 'tail'];
    const slow = await through(line, false);
    const fast = await through(line, true);
    expect(slow.exitCode).toBe(2);
    expect({ ...fast, path: 'yargs' }).toEqual(slow);
  });

  for (const line of HELP_LIKE) {
    it(`${line.join(' ')}: the fast path declines`, async () => {
      const word = commandWord(line);
      const entry = commands.find((c) => commandName(c) === word);
      if (word === undefined || entry === undefined) return;
      const mod = await entry.load();
      expect(fastArgs(line, word, entry.command, mod.builder)).toBeNull();
    });
  }

  it('a builder calling a method the stand-in does not model declines', () => {
    const builder = (y: { option: (...a: unknown[]) => { implies: (...a: unknown[]) => unknown } }) =>
      y.option('a', { type: 'string' }).implies('a', 'b');
    expect(fastArgs(['x'], 'x', 'x', builder)).toBeNull();
    expect(
      fastArgs(['x', '--a', '1'], 'x', 'x', (y: { option: (...a: unknown[]) => unknown }) =>
        y.option('a', { type: 'string', coerce: String }),
      ),
    ).toBeNull();
  });
});
