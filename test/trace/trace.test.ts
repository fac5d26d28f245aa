import { describe, expect, it } from 'vitest';
import { traceCommand } from '../../src/trace/index.js';

describe('traceCommand (host)', () => {
  it('collects the files and directories a command uses', async () => {
    const r = await traceCommand(['/bin/ls', '/usr/share/zoneinfo']);
    expect(r.exitCode).toBe(0);
    expect(r.files).toContain('/bin/ls');
    expect(r.files.some((f) => /libc\.so\.6$/.test(f))).toBe(true);
    expect(r.dirs).toContain('/usr/share/zoneinfo');
    expect(r.files.some((f) => /^\/(proc|sys|dev)\//.test(f) || f.includes('jailsmith-trace-'))).toBe(false);
  });
  it('runs argument vectors without a shell, and a shell only when asked', async () => {
    const noShell = await traceCommand(['/bin/echo', '$HOME; touch /tmp/x']);
    expect(noShell.files).not.toContain('/bin/sh');
    const shell = await traceCommand(['cat /etc/hostname >/dev/null'], { shell: true });
    expect(shell.exitCode).toBe(0);
    expect(shell.files).toContain('/etc/hostname');
    expect(shell.files).toContain('/bin/sh');
  });
  it('reports a failing command by its exit code', async () => {
    const r = await traceCommand(['/bin/cat', '/nonexistent/file']);
    expect(r.exitCode).not.toBe(0);
    expect(r.missing).toContain('/nonexistent/file');
  });

  it('runs as nobody with a private HOME and TMPDIR, never as root with HOME=/', async () => {
    const r = await traceCommand(
      ['test "$(id -u)" = 65534 && test "$HOME" != / && touch "$HOME/x" "$TMPDIR/y" && test ! -w /root'],
      { shell: true },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('ends what the command left running (a daemon) when it is done, and says so', {
    timeout: 120_000,
  }, async () => {
    // A daemon in its own session that outlives the command (strace -f alone would wait 600 s).
    // The command waits until the daemon has started, so there is a daemon to end.
    const r = await traceCommand(
      [
        `setsid sh -c 'echo up > "$TMPDIR/up"; sleep 600' >/dev/null 2>&1 & while [ ! -e "$TMPDIR/up" ]; do sleep 0.05; done; echo started`,
      ],
      { shell: true, timeout: 100 },
    );
    expect(r.exitCode).toBe(0);
    expect(r.ended.length).toBeGreaterThan(0);
    expect(r.ended.every((p) => ['sh', 'sleep', 'setsid'].includes(p))).toBe(true);
  });

  it('a trace that cannot run its command is an error, not "nothing missing"', async () => {
    await expect(traceCommand(['/bin/true'], { chroot: '/nonexistent-jail-dir' })).rejects.toThrow(
      /the trace did not run the command/,
    );
  });
});
