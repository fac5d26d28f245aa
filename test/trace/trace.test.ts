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
});
