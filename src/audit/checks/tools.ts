import { readFileSync } from 'node:fs';
import type { AuditContext, Check, Entry, Finding, Severity } from '../types.js';
import { basename, finding } from './util.js';

/** Executables and symlinks (busybox applets are links), found once for the four tool checks. */
const runnable = new WeakMap<AuditContext, Entry[]>();

/** Executables and symlinks whose name matches. */
function named(ctx: AuditContext, re: RegExp): Entry[] {
  let list = runnable.get(ctx);
  if (!list) {
    list = ctx.entries.filter((e) => e.type === 'symlink' || (e.type === 'file' && e.mode & 0o111));
    runnable.set(ctx, list);
  }
  return list.filter((e) => re.test(basename(e.path)));
}

function toolCheck(
  id: string,
  max: Severity,
  title: string,
  why: string,
  re: RegExp,
  severity: (ctx: AuditContext) => Severity,
  extra?: (ctx: AuditContext, check: Check) => Finding[],
): Check {
  return {
    id,
    severity: max,
    title,
    why,
    help: 'Remove the tool from the jail unless the jailed program needs it.',
    run(ctx) {
      const sev = severity(ctx);
      const out = named(ctx, re).map((e) =>
        finding(
          this,
          sev,
          e,
          `${basename(e.path)} present${e.type === 'symlink' ? ` (link to ${e.target})` : ''}`,
        ),
      );
      return extra ? [...out, ...extra(ctx, this)] : out;
    },
  };
}

export const toolPrivileged = toolCheck(
  'tool-privileged',
  'low',
  'A privilege tool (sudo, su, mount, unshare...) is present',
  'Inert without setuid or caps, but it makes exploitation trivial once any other bug appears.',
  /^(?:sudo|su|doas|pkexec|mount|umount|unshare|nsenter|chroot|setcap|capsh|setpriv|newgrp)$/,
  () => 'info',
  (ctx, check) => {
    const sudoers = ctx.byPath.get('/etc/sudoers');
    if (sudoers?.type !== 'file') return [];
    const text = ctx.readFile('/etc/sudoers')?.toString('utf8') ?? '';
    const nopasswd = /^[^#\n]*NOPASSWD:\s*ALL/m.test(text);
    return [
      finding(
        check,
        nopasswd ? 'low' : 'info',
        sudoers,
        nopasswd ? 'sudoers grants NOPASSWD: ALL' : 'a sudoers file is present',
      ),
    ];
  },
);

function ptraceScope(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch {
    return undefined;
  }
}

export const toolDebugger = toolCheck(
  'tool-debugger',
  'medium',
  'A debugger or tracer (gdb, strace, ltrace, lldb) is present',
  'ptrace of a same-uid process outside the jail escapes it without root (chw00t -6/-7).',
  /^(?:gdb|gdbserver|strace|ltrace|lldb)$/,
  () => {
    const scope = ptraceScope();
    return scope === undefined || scope === 0 ? 'medium' : 'low';
  },
);

export const toolCompiler = toolCheck(
  'tool-compiler',
  'info',
  'A compiler or linker is present',
  'It makes building an exploit (chw00t) inside the jail trivial.',
  /^(?:cc|c\+\+|gcc|g\+\+|clang|clang\+\+|tcc|ld|ld\.bfd|ld\.gold|ld\.lld|as|cpp)(?:-[\d.]+)?$|^[\w]+-linux-gnu\w*-(?:gcc|g\+\+|ld)(?:-[\d.]+)?$/,
  () => 'info',
);

export const toolInterpreter = toolCheck(
  'tool-interpreter',
  'info',
  'An interpreter or shell is present',
  'A general interpreter runs any escape code the user brings; minimal jails carry only what they run.',
  /^(?:python[\d.]*|perl[\d.]*|ruby[\d.]*|node|nodejs|lua[\d.]*|luajit|php[\d.]*|busybox|sh|bash|dash|zsh|ksh|ksh93|mksh|ash|csh|tcsh|fish|tclsh[\d.]*|wish[\d.]*)$/,
  () => 'info',
);
