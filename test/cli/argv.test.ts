import { describe, expect, it } from 'vitest';
import { assertUtf8Args, rawArgs, splitArgv } from '../../src/cli/argv.js';
import { UsageError } from '../../src/errors.js';

/** /proc/self/cmdline as the kernel writes it: every entry NUL-terminated. */
const cmdline =
  (...entries: (string | Buffer)[]) =>
  () =>
    Buffer.concat(entries.flatMap((e) => [Buffer.from(e), Buffer.from([0])]));

describe('splitArgv', () => {
  it('splits at the first --; what follows is untouched, later -- included', () => {
    expect(
      splitArgv(['run', 'DIR', '--json', '--', 'prog', '-0', '1e3', '0x10', '1.50', '--json', '', '--']),
    ).toEqual({
      head: ['run', 'DIR', '--json'],
      tail: ['prog', '-0', '1e3', '0x10', '1.50', '--json', '', '--'],
    });
  });

  it('without --, the tail is empty; a trailing -- gives an empty tail too', () => {
    expect(splitArgv(['audit', 'DIR'])).toEqual({ head: ['audit', 'DIR'], tail: [] });
    expect(splitArgv(['audit', 'DIR', '--'])).toEqual({ head: ['audit', 'DIR'], tail: [] });
  });

  it('does not alter its input', () => {
    const argv = ['run', 'DIR', '--', 'x'];
    splitArgv(argv).tail.push('y');
    expect(argv).toEqual(['run', 'DIR', '--', 'x']);
  });
});

describe('rawArgs', () => {
  it("takes the last entries: node's flags and the script path come first", () => {
    const raw = rawArgs(
      ['run', '', 'a\uFFFDb'],
      cmdline('node', '--no-warnings', '/usr/bin/jailsmith', 'run', '', Buffer.from([0x61, 0xff, 0x62])),
    );
    expect(raw?.map((b) => b.toString('hex'))).toEqual(['72756e', '', '61ff62']);
  });

  it('is null when the entries do not decode to the arguments or cannot be read', () => {
    expect(rawArgs(['a', 'b'], cmdline('node', 'x', 'a', 'c'))).toBeNull();
    expect(rawArgs(['a', 'b', 'c'], cmdline('b', 'c'))).toBeNull();
    // A process title written over argv leaves no trailing NUL.
    expect(rawArgs(['a'], () => Buffer.from('title'))).toBeNull();
    expect(
      rawArgs(['a'], () => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });
});

describe('assertUtf8Args', () => {
  const refusal = (args: string[], raw: Buffer[] | null): UsageError | undefined => {
    try {
      assertUtf8Args(args, () => raw);
    } catch (e) {
      if (e instanceof UsageError) return e;
      throw e;
    }
    return undefined;
  };

  it('passes arguments without U+FFFD without reading /proc', () => {
    expect(() =>
      assertUtf8Args(['run', 'DIR', '--', 'é', ''], () => {
        throw new Error('read');
      }),
    ).not.toThrow();
  });

  it('passes a real U+FFFD (its bytes are valid UTF-8)', () => {
    expect(refusal(['x\uFFFD'], [Buffer.from('x\uFFFD')])).toBeUndefined();
  });

  it('refuses an invalid byte, naming the argument and its index after --', () => {
    const e = refusal(
      ['run', 'DIR', '--', 'prog', 'a\uFFFDb'],
      ['run', 'DIR', '--', 'prog', Buffer.from([0x61, 0xff, 0x62])].map((b) => Buffer.from(b)),
    );
    expect(e?.code).toBe('USAGE_ARGV_NOT_UTF8');
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toBe('argument 5 (job argument 2) is not valid UTF-8: a\\xffb');
    expect(e?.details).toMatchObject({ index: 5, bytes: '61ff62' });
  });

  it('refuses surrogates and overlong forms, which Node also replaces', () => {
    for (const bytes of [
      [0xed, 0xa0, 0x80],
      [0xc0, 0x80],
    ]) {
      expect(refusal(['\uFFFD'], [Buffer.from(bytes)])?.code).toBe('USAGE_ARGV_NOT_UTF8');
    }
  });

  it('refuses U+FFFD when the raw bytes cannot be had (fail closed)', () => {
    const e = refusal(['audit', 'a\uFFFD'], null);
    expect(e?.code).toBe('USAGE_ARGV_NOT_UTF8');
    expect(e?.message).toMatch(/^argument 2 holds U\+FFFD and \/proc\/self\/cmdline could not be read/);
  });
});
