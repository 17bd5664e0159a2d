"""Probes for the explain matrix: a client that reports what happened to
one attempt on the servers of tests/netns/probe_server.py:

    OK <source seen> <namespace>   answered
    REFUSED                        a TCP reset or ICMP port/admin unreachable
    TIMEOUT                        nothing came back
    UNREACH                        ICMP host/network unreachable, or no route
"""
import os
import subprocess
import sys
import textwrap

CLIENT = textwrap.dedent("""
    import errno, socket, sys
    address, port, timeout, proto = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.settimeout(timeout)
    if len(sys.argv) > 5:  # a source address of the client's own choosing
        s.bind((sys.argv[5], 0))
    try:
        s.connect((address, port))
        if proto == "udp":
            s.send(b"hi")
        print("OK", s.recv(128).decode())
    except ConnectionRefusedError:
        print("REFUSED")
    except socket.timeout:
        print("TIMEOUT")
    except OSError as e:
        if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            print("UNREACH")
        elif e.errno in (errno.EACCES, errno.EPERM):
            print("REFUSED")
        else:
            print(errno.errorcode.get(e.errno, str(e.errno)))
""")


def probe(ns, address, proto, port, timeout=2.0, wrap=list, user=None, source=None):
    """One attempt from `ns` (as `user`=(uid, gid) when given, from
    `source` when given): the outcome as (kind, source_seen, server_name)."""
    argv = ["ip", "netns", "exec", ns]
    if user:
        argv += ["setpriv", f"--reuid={user[0]}", f"--regid={user[1]}", "--clear-groups"]
    if proto in ("icmp", "icmpv6"):
        argv += ["ping", "-n", "-c", "1", "-W", str(int(timeout)), address]
        res = subprocess.run(wrap(argv), capture_output=True, text=True, timeout=timeout + 20, cwd="/")
        if res.returncode == 0:
            return ("OK", None, None)
        unreach = "Unreachable" in res.stdout or "unreachable" in res.stderr
        return ("UNREACH" if unreach else "TIMEOUT", None, None)
    argv += [sys.executable, "-I", "-c", CLIENT, address, str(port), str(timeout), proto] + ([source] if source else [])
    res = subprocess.run(wrap(argv), capture_output=True, text=True, timeout=timeout + 20, cwd="/")
    words = (res.stdout.strip() or "NOOUTPUT " + res.stderr.strip()).split()
    if words[0] == "OK" and len(words) == 3:
        return ("OK", words[1], words[2])
    return (words[0], None, None)


def require_root():
    """Exit 77 (meson: skipped) unless root: the labs are network namespaces."""
    if os.geteuid() != 0:
        print("skipping: needs root for network namespaces")
        sys.exit(77)
