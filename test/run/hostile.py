"""The python twin of hostile.c: prints ESCAPED and exits 0 when an attack works, else prints
"blocked: <reason>" and exits 1. Copied into the python jail by the run tests."""
import ctypes
import os
import socket
import stat
import sys


def blocked(what, e):
    print(f"blocked: {what}: {e}", flush=True)
    sys.exit(1)


def escaped(what):
    print(f"ESCAPED: {what}", flush=True)
    sys.exit(0)


def libc():
    return ctypes.CDLL(None, use_errno=True)


def main(cmd, arg="", *rest):
    if cmd == "connect":
        try:
            socket.create_connection(("127.0.0.1", int(arg)), timeout=3).close()
        except OSError as e:
            blocked("connect", e)
        escaped("connect")
    if cmd == "kill":
        try:
            os.kill(int(arg), 9)
        except OSError as e:
            blocked("kill", e)
        escaped("kill")
    if cmd == "ptrace":
        if libc().ptrace(16, int(arg), 0, 0) != 0:  # PTRACE_ATTACH
            blocked("ptrace", os.strerror(ctypes.get_errno()))
        escaped("ptrace")
    if cmd == "chroot":
        try:
            os.chdir("/tmp")
            os.makedirs("x", exist_ok=True)
            os.chroot("x")
            for _ in range(64):
                os.chdir("..")
            os.chroot(".")
            print(open(arg).read())
        except OSError as e:
            blocked("chroot escape", e)
        escaped("chroot escape")
    if cmd == "mknod":
        try:
            os.mknod(arg, 0o600 | stat.S_IFBLK, os.makedev(8, 0))
        except OSError as e:
            blocked("mknod", e)
        escaped("mknod")
    if cmd == "mount":
        if libc().mount(b"none", arg.encode(), b"tmpfs", 0, None) != 0:
            blocked("mount", os.strerror(ctypes.get_errno()))
        escaped("mount")
    if cmd == "fd":
        try:
            os.fstat(int(arg))
            os.open(rest[0], os.O_RDONLY, dir_fd=int(arg))
        except OSError as e:
            blocked("inherited fd", e)
        escaped("inherited fd")
    if cmd == "write":
        try:
            with open(arg, "w") as f:
                f.write("pwned\n")
        except OSError as e:
            blocked("write", e)
        escaped("write")
    if cmd == "proc":
        found = False
        for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
            print(f"pid {pid}")
            try:
                open(f"/proc/{pid}/root{arg}").close()
                found = True
            except OSError:
                pass
        if found:
            escaped("proc root")
        blocked("proc root", "no host file reachable")
    if cmd == "forkbomb":
        while True:
            try:
                os.fork()
            except OSError:
                pass
    if cmd == "alloc":
        try:
            b = bytearray(int(arg))
            b[-1] = 1
        except MemoryError as e:
            blocked("alloc", repr(e))
        escaped("alloc")
    if cmd == "loop":
        while True:
            pass
    if cmd == "copy":
        with open(arg) as f, open(rest[0], "w") as g:
            g.write(f.read().upper())
        sys.exit(0)
    sys.exit(2)


main(*sys.argv[1:])
