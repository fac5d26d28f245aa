import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

describe('plan provenance', () => {
  const dir = tmpDir('plan-why-');
  const spec = path.join(dir, 'why.yaml');
  writeFileSync(
    spec,
    'binaries: [date]\nusers: [{name: app, uid: 1000}]\ndirs: [{path: /tmp, mode: "1777"}]\n',
  );

  it('--json gives every entry a reason: the binary, its closure, parents, accounts', async () => {
    const r = await runCli(['plan', spec, '--json']);
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as { entries: { path: string; type: string; why?: string }[] };
    const without = plan.entries.filter((e) => typeof e.why !== 'string' || e.why === '');
    expect(without).toEqual([]);
    const by = new Map(plan.entries.map((e) => [e.path, e.why]));
    expect(by.get('/usr/bin/date')).toBe('binaries: date');
    const libc = plan.entries.find((e) => /\/libc\.so\.6$/.test(e.path) && e.type === 'file');
    expect(libc?.why).toBe('closure of /usr/bin/date');
    expect(by.get('/etc/passwd')).toBe('users and groups');
    expect(by.get('/usr/bin')).toBe('parent of /usr/bin/date');
  });

  it('--explain prints each entry followed by its reason', async () => {
    const r = await runCli(['plan', spec, '--explain']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\/usr\/bin\/date \([\d.]+ KiB\)\n {6}why: binaries: date$/m);
    expect(r.stdout).toMatch(/libc\.so\.6 .*\n {6}why: closure of \/usr\/bin\/date$/m);
  });

  it('a plan saved before provenance (no why fields) still builds; a non-string why is refused', async () => {
    const r = await runCli(['plan', spec, '--json']);
    const plan = JSON.parse(r.stdout) as { entries: Record<string, unknown>[] };
    for (const e of plan.entries) delete e.why;
    const old = path.join(dir, 'old.json');
    writeFileSync(old, JSON.stringify(plan));
    const b = await runCli(['build', old, path.join(dir, 'jail')]);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(0);
    plan.entries[0] = { ...plan.entries[0], why: 7 };
    const badFile = path.join(dir, 'bad.json');
    writeFileSync(badFile, JSON.stringify(plan));
    const bad = await runCli(['build', badFile, path.join(dir, 'jail2')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('entries[0].why must be a string');
  });
});
