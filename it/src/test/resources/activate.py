#!/usr/bin/env python3
"""A stand-in for systemd's socket activation, for the system tests: binds and listens on a Unix stream socket
with the given mode, puts it (or, to test refusals, something else) on fd 3 and runs COMMAND with LISTEN_FDS=1,
LISTEN_PID and LISTEN_FDNAMES set as sd_listen_fds(3) expects.

  activate.py --bind PATH [--mode 0600] [--dir-mode 0700] [--owner UID] [--group GID]
              [--pass socket|datagram|pipe|file|unlistened]
              [--listen-pid self|parent] [--fdname NAME] [--runs N] -- COMMAND [ARG...]

--runs 1 (the default) execs COMMAND in this process, so LISTEN_PID is this pid, as systemd-socket-activate does.
--runs N > 1 keeps the socket here and runs COMMAND N times in turn, each in a child of its own, as systemd runs a
service again on the socket it keeps listening on; the exit status is the last run's. Children die with this
process (PR_SET_PDEATHSIG), so a test that kills the launcher leaves no engine behind.
"""
import argparse
import ctypes
import os
import signal
import socket
import sys

PR_SET_PDEATHSIG = 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True)
    parser.add_argument("--mode", default="0600")
    parser.add_argument("--dir-mode", default="0700")
    parser.add_argument("--owner", type=int)
    parser.add_argument("--group", type=int)
    parser.add_argument("--pass", dest="kind", default="socket",
                        choices=["socket", "datagram", "pipe", "file", "unlistened"])
    parser.add_argument("--listen-pid", default="self", choices=["self", "parent"])
    parser.add_argument("--fdname", default="omg-engine")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    directory = os.path.dirname(args.bind)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, int(args.dir_mode, 8))
    kind = socket.SOCK_DGRAM if args.kind == "datagram" else socket.SOCK_STREAM
    listener = socket.socket(socket.AF_UNIX, kind)
    # As systemd does for SocketMode=: the socket is born with the mode, through the umask.
    mode = int(args.mode, 8)
    previous = os.umask(0o777 & ~mode)
    listener.bind(args.bind)
    os.umask(previous)
    os.chmod(args.bind, mode)
    if args.owner is not None or args.group is not None:
        os.chown(args.bind, -1 if args.owner is None else args.owner, -1 if args.group is None else args.group)
    if args.kind == "socket":
        listener.listen(64)

    if args.kind in ("socket", "datagram", "unlistened"):
        passed = listener.fileno()
    elif args.kind == "pipe":
        passed, _ = os.pipe()
    else:
        passed = os.open(os.path.join(directory, "not-a-socket"), os.O_RDWR | os.O_CREAT, 0o600)

    if args.runs == 1:
        run(passed, command, args)
    status = 0
    for _ in range(args.runs):
        child = os.fork()
        if child == 0:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            run(passed, command, args)
        forward = lambda signum, frame: os.kill(child, signum)
        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        _, waited = os.waitpid(child, 0)
        status = os.waitstatus_to_exitcode(waited)
        print("activate.py: run ended with status %d" % status, flush=True)
    sys.exit(status if status >= 0 else 128 - status)


def run(passed, command, args):
    """Puts the descriptor on fd 3, sets the variables for this process and becomes COMMAND."""
    if passed != 3:
        os.dup2(passed, 3)
    os.set_inheritable(3, True)
    env = dict(os.environ)
    env["LISTEN_FDS"] = "1"
    env["LISTEN_PID"] = str(os.getpid() if args.listen_pid == "self" else os.getppid())
    env["LISTEN_FDNAMES"] = args.fdname
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
