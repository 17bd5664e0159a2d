"""Probes for the explain matrix: a listener that answers every TCP
connection or UDP datagram with the source address it saw and the name of
its namespace, and a client that reports what happened to one attempt:

    OK <source seen> <namespace>   answered
    REFUSED                        a TCP reset or ICMP port/admin unreachable
    TIMEOUT                        nothing came back
    UNREACH                        ICMP host/network unreachable, or no route
"""
import os
import subprocess
import sys
import textwrap

SERVER = textwrap.dedent("""
    import selectors, socket, sys
    name = sys.argv[1]
    sel = selectors.DefaultSelector()
    for arg in sys.argv[2:]:
        proto, port = arg.split(":")
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET6, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(port)))
        if kind == socket.SOCK_STREAM:
            s.listen(64)
        sel.register(s, selectors.EVENT_READ)
    print("ready", flush=True)
    def seen(peer):
        a = peer[0]
        return a[7:] if a.startswith("::ffff:") else a
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s.type == socket.SOCK_STREAM:
                c, peer = s.accept()
                c.sendall(("%s %s" % (seen(peer), name)).encode())
                c.close()
            else:
                _, peer = s.recvfrom(2048)
                s.sendto(("%s %s" % (seen(peer), name)).encode(), peer)
""")

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


def start_server(lab, ns, name, ports):
    """ports: ["tcp:80", "udp:53", ...]"""
    proc = lab.spawn(ns, [sys.executable, "-c", SERVER, name, *ports])
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"probe server in {ns} did not start: {proc.stderr.read()}")


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
