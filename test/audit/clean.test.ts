import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditJail } from '../../src/audit/audit.js';
import type { AuditReport } from '../../src/audit/types.js';
import { applyPlan } from '../../src/build/index.js';
import { createPlan } from '../../src/plan/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { REPO } from '../helpers/cli.js';
import { makeMiniJail } from '../helpers/mini-jail.js';
import { describeAsRoot } from '../helpers/root.js';

/**
 * jailkit refuses a jail under a group/other-writable ancestor (/tmp, and /var/tmp here), so
 * these jails live under a root-owned 0755 directory.
 */
const BASE = '/var/lib/jailsmith-audit-test';

function serious(r: AuditReport) {
  return r.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
}

describeAsRoot('audit: clean jails report nothing high or critical', () => {
  let dir = '';
  beforeAll(() => {
    mkdirSync(BASE, { recursive: true, mode: 0o755 });
    dir = mkdtempSync(path.join(BASE, 'run-'));
    // mkdtemp makes 0700: open it like a usual jail parent so traversal is exercised.
    chmodSync(dir, 0o755);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('a jailkit jk_init basicshell jail', async () => {
    const jail = path.join(dir, 'jk');
    await execa('jk_init', ['-j', jail, 'basicshell']);
    const r = await auditJail(jail);
    expect(serious(r)).toEqual([]);
    expect(r.warnings).toEqual([]);
    // bash and dash are there: the audit saw the jail's contents.
    expect(r.findings.some((f) => f.id === 'tool-interpreter' && f.path === '/usr/bin/bash')).toBe(true);
  });

  const specs = readdirSync(path.join(REPO, 'jails')).filter((f) => f.endsWith('.yaml'));
  it.each(specs)('the jail built from jails/%s', async (file) => {
    const spec = await loadSpec(path.join(REPO, 'jails', file));
    const jail = path.join(dir, spec.name);
    await applyPlan(await createPlan(spec), jail);
    const r = await auditJail(jail, { allow: spec.audit.allow });
    expect(serious(r)).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.summary.entries).toBeGreaterThan(10);
  });

  it('a mini jail (ldd-copied binaries), with the host-placement info checks', async () => {
    const jail = await makeMiniJail(path.join(dir, 'mini'));
    const r = await auditJail(jail);
    expect(serious(r)).toEqual([]);
    expect(r.findings.filter((f) => f.id === 'missing-library')).toEqual([]);
    const sameDevAsRoot = lstatSync(jail).dev === lstatSync('/').dev;
    expect(r.findings.some((f) => f.id === 'jail-on-host-rootfs')).toBe(sameDevAsRoot);
    // /, /var, /var/lib and the 0755 run dir are all o+x.
    expect(r.findings.find((f) => f.id === 'jail-traversable-by-host-users')?.severity).toBe('info');
  });
});
