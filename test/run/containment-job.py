"""Jobs for test/run/containment.test.ts: each prints what it saw, one fact a line."""
import ctypes
import errno
import mmap
import os
import socket
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)


def err(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def send_root(sock_path):
    """Listens on sock_path, hands its own / (a directory fd) to whoever connects, waits for 'done'."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock_path)
    # Jobs are different uids: connecting needs write permission on the socket.
    if not sock_path.startswith("\0"):
        os.chmod(sock_path, 0o777)
    s.listen(1)
    print("listening", flush=True)
    c, _ = s.accept()
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    socket.send_fds(c, [b"root"], [fd])
    c.recv(16)
    print("sent", flush=True)


def use_root(sock_path, host_path):
    """Connects, takes the fd, climbs '..' from it and tries to reach a host path; lists what it reached."""
    for _ in range(100):
        try:
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(sock_path)
            break
        except OSError as e:
            last = e
            time.sleep(0.05)
    else:
        print("connect", err(last))
        return
    _, fds, _, _ = socket.recv_fds(c, 16, 1)
    os.fchdir(fds[0])
    for _ in range(40):
        os.chdir("..")
    print("top", sorted(os.listdir(".")))
    try:
        with open(host_path.lstrip("/")) as f:
            print("ESCAPED", f.read().strip())
    except OSError as e:
        print("host-path", err(e))
    try:
        with open("proc/1/root/" + host_path.lstrip("/")) as f:
            print("ESCAPED", f.read().strip())
    except OSError as e:
        print("proc-root", err(e))
    c.send(b"done")


def connect_only(sock_path):
    if sock_path.startswith("@"):
        sock_path = "\0" + sock_path[1:]
    try:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(sock_path)
        print("connect ok")
    except OSError as e:
        print("connect", err(e))


def abstract_listen(name, seconds):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + name)
    s.listen(1)
    print("listening", flush=True)
    time.sleep(float(seconds))


def plant(tag):
    """Writes private files in /tmp and $HOME, a docker.sock and many files; tries the jail itself."""
    for d in ("/tmp", os.environ["HOME"]):
        p = os.path.join(d, "secret-" + tag)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, tag.encode())
        os.close(fd)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("/tmp/docker.sock")
    os.makedirs(os.path.join(os.environ["HOME"], ".local/lib/python3.11/site-packages"), exist_ok=True)
    with open(os.path.join(os.environ["HOME"], ".local/lib/python3.11/site-packages/usercustomize.py"), "w") as f:
        f.write("print('PLANTED')\n")
    for i in range(2000):
        open("/tmp/f%d" % i, "w").close()
    for target in ("/etc/passwd", "/usr/bin/planted", "/planted", "/home/planted"):
        try:
            open(target, "a").close()
            print("WROTE", target)
        except OSError as e:
            print("write", target, err(e))
    try:
        os.chmod("/usr/bin/python3", 0o4755)
        print("CHMOD")
    except OSError as e:
        print("chmod", err(e))
    print("planted", tag, flush=True)


def look(seconds):
    """Lists /tmp and $HOME (after waiting, so a concurrent planter has written)."""
    time.sleep(float(seconds))
    print("tmp", sorted(os.listdir("/tmp")))
    print("home", sorted(os.listdir(os.environ["HOME"])))


def hold(n, seconds):
    """Keeps n processes of the job alive for a while."""
    kids = []
    for _ in range(int(n) - 1):
        pid = os.fork()
        if pid == 0:
            time.sleep(float(seconds))
            os._exit(0)
        kids.append(pid)
    print("holding", len(kids) + 1, flush=True)
    for k in kids:
        os.waitpid(k, 0)


def forks(n):
    ok = 0
    fail = None
    kids = []
    for _ in range(int(n)):
        try:
            pid = os.fork()
        except OSError as e:
            fail = err(e)
            break
        if pid == 0:
            time.sleep(0.5)
            os._exit(0)
        kids.append(pid)
        ok += 1
    for k in kids:
        os.waitpid(k, 0)
    print("forked", ok, fail)


def memfd(mib):
    fd = os.memfd_create("fill")
    chunk = b"x" * (1 << 20)
    for i in range(int(mib)):
        os.write(fd, chunk)
    print("ESCAPED memfd", mib)


def shm(mib):
    size = int(mib) << 20
    libc.shmget.restype = ctypes.c_int
    libc.shmat.restype = ctypes.c_void_p
    sid = libc.shmget(0, ctypes.c_size_t(size), 0o1600)
    if sid < 0:
        print("shmget", errno.errorcode[ctypes.get_errno()])
        return
    addr = libc.shmat(sid, None, 0)
    libc.shmctl(sid, 0, None)  # IPC_RMID: gone once detached
    ctypes.memset(addr, 1, size)
    print("ESCAPED shm", mib)


def fill(path, mib):
    chunk = b"x" * (1 << 20)
    try:
        with open(path, "wb") as f:
            for i in range(int(mib)):
                f.write(chunk)
                f.flush()
        print("wrote", mib)
    except OSError as e:
        print("fill", err(e), "after", i)


def spin(procs, seconds):
    end = time.time() + float(seconds)
    kids = []
    for _ in range(int(procs)):
        pid = os.fork()
        if pid == 0:
            while time.time() < end:
                pass
            os._exit(0)
        kids.append(pid)
    for k in kids:
        os.waitpid(k, 0)
    print("spun")


def keyring():
    """The session keyring the job was given, and whether the caller's key can be found from it."""
    SYS_keyctl = {"x86_64": 250, "aarch64": 219}[os.uname().machine]
    libc.syscall.restype = ctypes.c_long
    ring = libc.syscall(SYS_keyctl, 0, -3, 0)  # KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING
    print("ring", ring if ring >= 0 else errno.errorcode[ctypes.get_errno()])
    found = libc.syscall(SYS_keyctl, 10, -3, b"user", b"jailsmith-test-secret", 0)  # KEYCTL_SEARCH
    print("search", found if found >= 0 else errno.errorcode[ctypes.get_errno()])


def tty():
    """TIOCSTI and TIOCSETD on the terminal the job was handed as stdin."""
    import fcntl
    import termios

    try:
        fcntl.ioctl(0, termios.TIOCSTI, b"x")
        print("TIOCSTI ok")
    except OSError as e:
        print("TIOCSTI", err(e))
    try:
        fcntl.ioctl(0, 0x5423, ctypes.c_int(2))  # TIOCSETD N_MOUSE
        print("TIOCSETD ok")
    except OSError as e:
        print("TIOCSETD", err(e))


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
