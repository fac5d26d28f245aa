/**
 * The jail's own account files, parsed as text (never through NSS): shadow-real-hash,
 * passwd-empty-password, passwd-extra-uid0.
 */
import { readFileSync } from 'node:fs';
import { accountRecords, isUsableHash, parseShadow } from '../../sys/index.js';
import type { AuditContext, Check, Finding } from '../types.js';
import { finding } from './util.js';

function jailFile(ctx: AuditContext, p: string) {
  const e = ctx.byPath.get(p);
  return e?.type === 'file'
    ? { e, lines: accountRecords(ctx.readFile(p, 4 << 20)?.toString('utf8')) }
    : undefined;
}

function hostShadow(): Map<string, string> {
  const m = new Map<string, string>();
  try {
    for (const r of parseShadow(readFileSync('/etc/shadow', 'utf8'))) m.set(r.name, r.hash);
  } catch {}
  return m;
}

export const shadowRealHash: Check = {
  id: 'shadow-real-hash',
  severity: 'critical',
  title: 'etc/shadow holds a usable password hash',
  why: 'The hash can be cracked offline and is often reused on the host.',
  help: "Lock the account in the jail's shadow (use * or !); jails rarely need passwords.",
  run(ctx) {
    const shadow = jailFile(ctx, '/etc/shadow');
    if (!shadow) return [];
    let host: Map<string, string> | undefined;
    const out: Finding[] = [];
    for (const r of shadow.lines) {
      const [user = '', hash = ''] = r.fields;
      if (!isUsableHash(hash)) continue;
      host ??= hostShadow();
      const same = host.get(user) === hash;
      out.push(
        finding(
          this,
          same ? 'critical' : 'high',
          shadow.e,
          `line ${r.line}: ${user} has a password hash${same ? ' identical to the host' : ''}`,
        ),
      );
    }
    return out;
  },
};

export const passwdEmptyPassword: Check = {
  id: 'passwd-empty-password',
  severity: 'high',
  title: 'An account with an empty password',
  why: 'su to that account needs no password.',
  help: "Put x in passwd's password field and * in shadow's.",
  run(ctx) {
    const out: Finding[] = [];
    for (const p of ['/etc/passwd', '/etc/shadow']) {
      const f = jailFile(ctx, p);
      for (const r of f?.lines ?? []) {
        if (r.fields.length >= 2 && r.fields[1] === '' && f) {
          out.push(finding(this, 'high', f.e, `line ${r.line}: ${r.fields[0]} has an empty password field`));
        }
      }
    }
    return out;
  },
};

export const passwdExtraUid0: Check = {
  id: 'passwd-extra-uid0',
  severity: 'high',
  title: 'A non-root account with uid 0',
  why: 'A hidden root account.',
  help: 'Give the account its own uid or remove it.',
  run(ctx) {
    const f = jailFile(ctx, '/etc/passwd');
    if (!f) return [];
    return f.lines
      .filter((r) => r.fields[2] === '0' && r.fields[0] !== 'root')
      .map((r) => finding(this, 'high', f.e, `line ${r.line}: ${r.fields[0]} has uid 0`));
  },
};
