/**
 * Unix sockets: host-daemon-socket, log-socket, unix-socket. Each socket gets exactly one of the
 * three; grouped so the classification lives in one place.
 */
import type { Check, Entry, Severity } from '../types.js';
import { finding } from './util.js';

const CRITICAL_DAEMONS =
  /(?:^|\/)(?:docker\.sock|docker\/[^/]*\.sock|containerd(?:\.sock|\/.*)|podman(?:\.sock|\/.*)|crio\.sock|crio\/.*|libvirt-sock(?:-ro)?|libvirt\/.*|lxd\/unix\.socket|incus\/unix\.socket|unix\.socket)$/;
const HIGH_DAEMONS =
  /(?:^|\/)(?:dbus\/system_bus_socket|system_bus_socket|systemd\/private|systemd\/notify|systemd\/userdb\/.*|polkit.*|snapd\.socket|snapd-snap\.socket)$/;
const LOG = /^\/dev\/log$|^\/run\/systemd\/journal\/(?:socket|stdout|dev-log)$/;

export function classifySocket(e: Entry): 'daemon-critical' | 'daemon-high' | 'log' | 'other' {
  if (CRITICAL_DAEMONS.test(e.path)) return 'daemon-critical';
  if (HIGH_DAEMONS.test(e.path)) return 'daemon-high';
  if (LOG.test(e.path)) return 'log';
  return 'other';
}

export const hostDaemonSocket: Check = {
  id: 'host-daemon-socket',
  severity: 'critical',
  title: 'A socket named like a host daemon (docker, containerd, dbus, systemd...)',
  why: 'docker.sock is root on the host; the D-Bus system bus can make systemd run commands.',
  help: 'Remove the socket (or the bind that brings it in).',
  run(ctx) {
    return ctx.sockets.flatMap((e) => {
      const c = classifySocket(e);
      if (c !== 'daemon-critical' && c !== 'daemon-high') return [];
      const sev: Severity = c === 'daemon-critical' ? 'critical' : 'high';
      return [finding(this, sev, e, 'unix socket named like a host daemon endpoint')];
    });
  },
};

export const logSocket: Check = {
  id: 'log-socket',
  severity: 'info',
  title: 'A syslog/journald socket',
  why: 'Expected for sftp jails; the risk is only log injection.',
  help: 'Keep it if the jail logs through syslog.',
  run(ctx) {
    return ctx.sockets
      .filter((e) => classifySocket(e) === 'log')
      .map((e) => finding(this, 'info', e, 'log socket'));
  },
};

export const unixSocket: Check = {
  id: 'unix-socket',
  severity: 'low',
  title: 'A unix socket',
  why: 'A server outside the jail can pass directory fds over SCM_RIGHTS, which lead out (chw00t -2).',
  help: 'Remove it unless the jail talks to that server on purpose.',
  run(ctx) {
    return ctx.sockets
      .filter((e) => classifySocket(e) === 'other')
      .map((e) => finding(this, 'low', e, 'unix socket'));
  },
};
