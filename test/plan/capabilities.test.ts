import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { capabilityFromHex, parseCapabilityText } from '../../src/sys/index.js';
import { runCli } from '../helpers/cli.js';
import { isRoot } from '../helpers/root.js';
import { tmpDir } from '../helpers/tmp.js';
import { requireTool } from '../helpers/tools.js';

describe('capability strings', () => {
  it('parse as setcap writes them and encode as the kernel stores them (vfs_cap_data v2)', () => {
    const c = parseCapabilityText('cap_net_raw+ep');
    expect(typeof c).toBe('object');
    if (typeof c === 'string') return;
    expect(c.text).toBe('cap_net_raw=ep');
    // magic 0x02000001 (revision 2, effective), permitted bit 13, nothing inheritable.
    expect(c.hex).toBe('0100000200200000000000000000000000000000');
    expect(capabilityFromHex(c.hex)?.text).toBe('cap_net_raw=ep');
    const two = parseCapabilityText('CAP_NET_BIND_SERVICE,cap_net_raw=p cap_chown+i');
    expect(typeof two !== 'string' && two.text).toBe('cap_chown=i cap_net_bind_service,cap_net_raw=p');
  });

  it('refuse what does not parse, with the reason', () => {
    expect(parseCapabilityText('cap_net_rwa+ep')).toBe('unknown capability "cap_net_rwa"');
    expect(parseCapabilityText('cap_net_raw')).toMatch(/not CAPS\[=\+-\]FLAGS/);
    expect(parseCapabilityText('cap_net_raw+e')).toMatch(/grants nothing/);
    expect(parseCapabilityText('cap_net_raw+p cap_chown+ep')).toMatch(
      /effective for all of its capabilities or none/,
    );
  });
});

describe.skipIf(!(isRoot && requireTool('setcap', 'libcap2-bin') && requireTool('getfattr', 'attr')))(
  'capabilities: in specs, through plan, build, script, pack, install and audit',
  () => {
    const dir = tmpDir('caps-spec-');
    const spec = (name: string, text: string) => {
      const f = path.join(dir, `${name}.yaml`);
      writeFileSync(f, text);
      return f;
    };
    const getcap = async (f: string) => (await execa('getcap', [f])).stdout.trim();

    it('a capability string that does not parse: one line, exit 2, nothing written', async () => {
      const f = spec('bad', 'binaries: [sh]\ncapabilities: {/usr/bin/dash: cap_net_rwa+ep}\n');
      const out = path.join(dir, 'never');
      const r = await runCli(['build', f, out]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('unknown capability "cap_net_rwa"');
      expect(r.stderr).toContain('bad.yaml:2');
      expect(existsSync(out)).toBe(false);
    });

    it('a capability on a path the jail does not hold as a file is refused', async () => {
      const f = spec('nofile', 'binaries: [sh]\ncapabilities: {/usr/bin/ping: cap_net_raw+ep}\n');
      const r = await runCli(['plan', f]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('capabilities: /usr/bin/ping is not in the jail');
    });

    it('a source file with a capability the spec does not keep is a plan note; kept, it is carried', async () => {
      const src = path.join(dir, 'src');
      mkdirSync(src, { recursive: true });
      const tool = path.join(src, 'captool');
      copyFileSync('/bin/true', tool);
      await execa('setcap', ['cap_net_raw+ep', tool]);
      const dropped = await runCli(['plan', spec('dropped', `files: [${tool}]\n`), '--json']);
      expect(dropped.exitCode).toBe(0);
      expect(JSON.parse(dropped.stdout).notes).toContain(
        `${tool}: the source file has the capability cap_net_raw=ep, which the jail copy does not get; to keep it: capabilities: {${tool}: cap_net_raw=ep}`,
      );
      const kept = await runCli([
        'plan',
        spec('kept', `files: [${tool}]\ncapabilities: {${tool}: cap_net_raw+ep}\n`),
        '--json',
      ]);
      const plan = JSON.parse(kept.stdout) as {
        notes: string[];
        entries: { path: string; capability?: string }[];
      };
      expect(plan.notes.filter((n) => n.includes('capability'))).toEqual([]);
      expect(plan.entries.find((e) => e.path === tool)?.capability).toBe('cap_net_raw=ep');
    });

    const capSpec = spec('ping', 'binaries: [sh]\ncapabilities: {/usr/bin/dash: cap_net_raw+ep}\n');

    it('build sets it; a rebuild notices a changed or removed capability; audit reports it', async () => {
      const jail = path.join(dir, 'jail');
      const b = await runCli(['build', capSpec, jail]);
      expect(b.exitCode).toBe(0);
      expect(await getcap(path.join(jail, 'usr/bin/dash'))).toMatch(/cap_net_raw=ep$/);
      const a = await runCli(['audit', jail, '--json']);
      const findings = JSON.parse(a.stdout).findings as { id: string; path: string; message?: string }[];
      expect(findings.some((x) => x.id === 'file-capabilities' && x.path === '/usr/bin/dash')).toBe(true);
      await execa('setcap', ['-r', path.join(jail, 'usr/bin/dash')]);
      const again = await runCli(['build', capSpec, jail, '--json']);
      expect(again.exitCode).toBe(0);
      expect(JSON.parse(again.stdout).changed).toContain('/usr/bin/dash');
      expect(await getcap(path.join(jail, 'usr/bin/dash'))).toMatch(/cap_net_raw=ep$/);
      const plain = await runCli(['build', spec('plain', 'binaries: [sh]\n'), jail, '--json']);
      expect(JSON.parse(plain.stdout).changed).toContain('/usr/bin/dash');
      expect(await getcap(path.join(jail, 'usr/bin/dash'))).toBe('');
    });

    it('the setup script sets it, and fails naming setcap on a machine without it, writing nothing', async () => {
      const script = path.join(dir, 'setup.sh');
      expect((await runCli(['script', capSpec, '-o', script])).exitCode).toBe(0);
      const target = path.join(dir, 'scripted');
      const none = await execa('sh', [script, '-q', target], {
        reject: false,
        env: { PATH: '/usr/bin:/bin' },
      });
      expect(none.exitCode).not.toBe(0);
      expect(none.stderr).toContain('setcap not found');
      expect(existsSync(target)).toBe(false);
      const ok = await execa('sh', [script, '-q', target], { reject: false });
      expect(ok.stderr).toBe('');
      expect(await getcap(path.join(target, 'usr/bin/dash'))).toMatch(/cap_net_raw=ep$/);
    });

    it('pack carries it and install sets it', async () => {
      const pkg = path.join(dir, 'ping.tar.gz');
      const p = await runCli(['pack', capSpec, '--output', pkg]);
      expect(p.stderr).not.toMatch(/error/i);
      expect(p.exitCode).toBe(0);
      const inst = path.join(dir, 'installed');
      const i = await runCli(['install', pkg, inst]);
      expect(i.exitCode).toBe(0);
      expect(await getcap(path.join(inst, 'usr/bin/dash'))).toMatch(/cap_net_raw=ep$/);
    });
  },
);
