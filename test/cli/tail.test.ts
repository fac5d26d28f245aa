import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';

/** The job's words as typed: each of these would change under yargs' parsing. */
const TYPED = ['-0', '1e3', '0x10', '1.50', '--json', '', '--'];

/**
 * The built main() with two stand-in commands: `echo [words..]` takes a tail and prints what it
 * got as JSON; `other` takes none. Independent of what `run` does with its argv.
 */
const STAND_IN = `import { main } from ${JSON.stringify(path.join(REPO, 'dist/cli/main.js'))};
const echoModule = {
  command: 'echo [words..]',
  describe: 'Print the arguments it got',
  builder: (y) => y.positional('words', { type: 'string', array: true }),
  handler: (a) => { console.log(JSON.stringify({ words: a.words ?? [], tail: a['--'], json: a.json })); },
};
const otherModule = { command: 'other', describe: 'Takes no tail', handler: () => { console.log('other ran'); } };
await main(process.argv.slice(1), [
  { command: echoModule.command, describe: echoModule.describe, tail: true, load: async () => echoModule },
  { command: otherModule.command, describe: otherModule.describe, load: async () => otherModule },
]);`;

async function standIn(args: string[]) {
  const r = await execa(process.execPath, ['--input-type=module', '-e', STAND_IN, '--', ...args], {
    reject: false,
    env: { NO_COLOR: '1' },
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Same, through sh, so that an argument can hold bytes a JS string cannot carry. */
async function standInRaw(shellArgs: string) {
  const r = await execa(
    'sh',
    ['-c', `exec "$0" --input-type=module -e "$1" -- ${shellArgs}`, process.execPath, STAND_IN],
    { reject: false, env: { NO_COLOR: '1' } },
  );
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describe('what follows -- reaches the command untouched', () => {
  it('every word after the first -- arrives as typed, as strings', async () => {
    const r = await standIn(['echo', 'w', '--', ...TYPED]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ words: ['w'], tail: TYPED, json: false });
  });

  it('--json before -- is jailsmith’s; after it, the job’s', async () => {
    const r = await standIn(['echo', '--json', '--', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ words: [], tail: ['--json'], json: true });
  });

  it('no -- hands over an empty tail', async () => {
    const r = await standIn(['echo']);
    expect(JSON.parse(r.stdout)).toEqual({ words: [], tail: [], json: false });
  });

  it('a command that takes no tail refuses one (exit 2) instead of ignoring it', async () => {
    const r = await standIn(['other', '--', 'x']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^jailsmith: jailsmith other takes no arguments after --\n/);
  });

  it('a non-UTF-8 byte is refused before the command runs: exit 2, one line naming the argument', async () => {
    const r = await standInRaw(`echo -- ok "$(printf 'a\\377b')"`);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(
      'jailsmith: argument 4 (job argument 2) is not valid UTF-8: a\\xffb',
    );
  });

  it('with --json the refusal is a USAGE_ARGV_NOT_UTF8 error object', async () => {
    const r = await standInRaw(`--json echo "$(printf '\\355\\240\\200')"`);
    expect(r.exitCode).toBe(2);
    const err = JSON.parse(r.stderr.split('\n')[0] as string).error;
    expect(err).toMatchObject({ code: 'USAGE_ARGV_NOT_UTF8', details: { index: 3, bytes: 'eda080' } });
  });

  it('a real U+FFFD (valid UTF-8) passes', async () => {
    const r = await standInRaw(`echo -- "$(printf '\\357\\277\\275')"`);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).tail).toEqual(['\uFFFD']);
  });
});

describeAsRoot('jailsmith run: the job’s argv byte for byte', () => {
  const base = tmpDir('jailsmith-cli-tail-');
  const jail = path.join(base, 'jail');
  const out = path.join(base, 'out');

  beforeAll(async () => {
    await makeMiniJail(jail, ['/bin/sh']);
    mkdirSync(path.join(jail, 'out'), { mode: 0o755 });
    mkdirSync(out);
    chmodSync(out, 0o777);
  });

  it('the job gets -0 1e3 0x10 1.50 --json and an empty string as typed', async () => {
    const r = await runCli([
      'run',
      jail,
      '--',
      '/bin/sh',
      '-c',
      'for a; do printf "[%s]\\n" "$a"; done',
      'sh',
      ...TYPED,
    ]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual(TYPED.map((a) => `[${a}]`));
  });

  it('a non-UTF-8 argument is refused with exit 2 and no job is started', async () => {
    const marker = path.join(out, 'ran');
    const job = (arg: string) =>
      execa(
        'sh',
        [
          '-c',
          `exec "$0" "$1" run "$2" --bind "$3:/out:rw" -- /bin/sh -c 'echo > /out/ran' "$(printf '${arg}')"`,
          process.execPath,
          path.join(REPO, 'bin/jailsmith'),
          jail,
          out,
        ],
        { reject: false },
      );
    const r = await job('x\\377');
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(
      /^jailsmith: argument 9 \(job argument 4\) is not valid UTF-8: x\\xff$/m,
    );
    expect(existsSync(marker)).toBe(false);
    // The same job with a valid argument does leave the marker: its absence above means something.
    const control = await job('x');
    expect(control.exitCode).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });
});
