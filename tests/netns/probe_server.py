"""The listener the packet matrices probe (the explain matrix, the import
verification lab): in one namespace, on each "tcp:PORT" and "udp:PORT"
given, over IPv4 and IPv6, it answers every connection or datagram with
the source address it saw and its own name, so a prober learns which
server answered and what NAT made of its address."""
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
            try:
                if s.type == socket.SOCK_STREAM:
                    c, peer = s.accept()
                    with c:
                        c.sendall(("%s %s" % (seen(peer), name)).encode())
                else:
                    _, peer = s.recvfrom(2048)
                    s.sendto(("%s %s" % (seen(peer), name)).encode(), peer)
            except OSError:
                pass  # a prober that gave up (reset, timed out) ends only its own exchange
""")


def start_server(lab, ns, name, ports):
    """The server in `ns`, answering as `name`; ports: ["tcp:80", "udp:53", ...]."""
    proc = lab.spawn(ns, [sys.executable, "-c", SERVER, name, *ports])
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"probe server in {ns} did not start: {proc.stderr.read()}")
