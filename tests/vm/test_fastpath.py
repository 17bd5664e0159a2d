#!/usr/bin/env python3
"""firewall.fast-path on a kernel with nf_flow_table (runs inside the vm
guest through run_in_vm.py; the host kernel has no flowtables). gatewayd
puts its flowtable on lan0 and wan0; an allowed TCP connection from the
LAN to the Internet side is offloaded (its conntrack entry shows
[OFFLOAD]); wan0 is deleted and made again (what a PPPoE link does on
reconnect): the flowtable loses it with the kernel and gets it back from
the reconciler, and the same connection carries data and is offloaded
again; connections the filter must drop (LAN to a port no rule allows,
Internet side to the LAN) are dropped and never offloaded. A second LAN
zone, guest, has `fast-path: false`: its connection to the same server,
allowed by the same rule, works and is never offloaded, and its link is
not in the flowtable.

  lan --eth0 | lan0-- gw --wan0 | eth0-- net
  guest --eth0 | guest0-- gw
  lan: 172.16.2.20/16 via 172.16.2.1    net: 192.0.2.1/24, LAN and guest via 192.0.2.2
  guest: 172.17.0.20/24 via 172.17.0.1
  No NAT: the connection's tuple stays the same across the re-creation.

Usage (guest): test_fastpath.py GATEWAYD GWCTL
"""
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Bus, Checks, Gateway, Lab, workdir  # noqa: E402
from test_pppoe_gatewayd import require_guest, status_json  # noqa: E402

LAN_HOST, GUEST_HOST, NET_HOST = "172.16.2.20", "172.17.0.20", "192.0.2.1"
ALLOWED, REFUSED, INBOUND = 5001, 5002, 5003

CONFIG = f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
  guest:
    device: guest0
    addresses: [172.17.0.1/24]
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: {NET_HOST}
zones:
  lan:
    interfaces: [lan]
  guest:
    interfaces: [guest]
    fast-path: false
  wan:
    uplinks: [wan]
firewall:
  fast-path: true
  forward:
    policy: drop
    rules:
      - name: lan-out
        action: allow
        from: [lan, guest]
        to: wan
        proto: tcp
        port: {ALLOWED}
"""

# Echoes each line back, a thread per connection (the LAN's and the
# guest's are open at the same time).
ECHO_SERVER = textwrap.dedent(f"""
    import socket, threading
    def echo(c):
        f = c.makefile("rwb", buffering=0)
        for line in f:
            f.write(line)
        c.close()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", {ALLOWED}))
    s.listen(4)
    print("ready", flush=True)
    while True:
        threading.Thread(target=echo, args=(s.accept()[0],), daemon=True).start()
""")

# One connection kept open; each line on stdin is sent and its echo printed
# ("FAIL ..." when none comes within a minute: TCP retransmits meanwhile).
ECHO_CLIENT = textwrap.dedent(f"""
    import socket, sys
    s = socket.create_connection(("{NET_HOST}", {ALLOWED}), timeout=60)
    f = s.makefile("rwb", buffering=0)
    print("connected", flush=True)
    for line in sys.stdin:
        try:
            f.write(line.encode())
            print(f.readline().decode().strip() or "FAIL closed", flush=True)
        except OSError as e:
            print("FAIL", e, flush=True)
""")


def wan_link(lab, gw, net):
    lab.veth(gw, "wan0", net, "eth0")
    lab.ip(gw, "addr add 192.0.2.2/24 dev wan0")
    lab.ip(net, f"addr add {NET_HOST}/24 dev eth0")
    lab.ip(net, "route add 172.16.0.0/16 via 192.0.2.2")
    lab.ip(net, "route add 172.17.0.0/24 via 192.0.2.2")


def topology(lab):
    gw, lan, net = lab.netns("gw"), lab.netns("lan"), lab.netns("net")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.ip(lan, f"addr add {LAN_HOST}/16 dev eth0")
    lab.ip(lan, "route add default via 172.16.2.1")
    guest = lab.netns("guest")
    lab.veth(gw, "guest0", guest, "eth0")
    lab.ip(guest, f"addr add {GUEST_HOST}/24 dev eth0")
    lab.ip(guest, "route add default via 172.17.0.1")
    wan_link(lab, gw, net)
    return gw, lan, guest, net


def conntrack(lab, gw, port, src=""):
    """The gateway's conntrack lines of TCP connections to `port` (from `src` if given)."""
    text = lab.run(gw, ["cat", "/proc/net/nf_conntrack"], check=False).stdout
    return [line for line in text.splitlines()
            if " tcp " in line and f"dport={port} " in line and f"src={src}" in line]


def offloaded(lab, gw, port, src=""):
    return any("[OFFLOAD]" in line for line in conntrack(lab, gw, port, src))


def fast_path(g):
    return status_json(g).get("kernel", {}).get("fast_path", "")


def exchange(client, word):
    client.stdin.write(word + "\n")
    client.stdin.flush()
    return client.stdout.readline().strip()


def start(c, lab, wd, bus, gw, gatewayd, gwctl):
    g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
    g.write_config(CONFIG)
    c.check("gatewayd starts with fast-path: true and says READY=1", g.start(timeout=120), g.log()[-2000:])
    return g


def connect_client(lab, ns):
    """An echo client in `ns`, connected, or None."""
    client = lab.spawn(ns, [sys.executable, "-c", ECHO_CLIENT], stdin=-1)
    return client if client.stdout.readline().strip() == "connected" else None


def offload_checks(c, g, lab, gw, lan, net):
    kernel = status_json(g).get("kernel", {})
    c.check("the probe finds nf_flow_table", kernel.get("flowtable") is True, f"{kernel}")
    c.check("status: the fast path is on, on lan0 and wan0",
            g.wait_until(lambda: "on: flowtable fastpath on lan0, wan0" in fast_path(g), timeout=60), fast_path(g))
    st = g.gwctl_run("status").stdout
    c.check("... gwctl status says so too", "Fast path: on: flowtable fastpath on lan0, wan0" in st, st)
    lab.spawn(net, [sys.executable, "-c", ECHO_SERVER]).stdout.readline()
    client = connect_client(lab, lan)
    c.check("the LAN host connects to the Internet side (lan-out allows it)", client is not None)
    if client is None:
        return None
    c.check("... and gets its data echoed", exchange(client, "one") == "one")
    got = g.wait_until(lambda: exchange(client, "more") == "more" and offloaded(lab, gw, ALLOWED), timeout=60)
    c.check("the established connection is offloaded: its conntrack entry shows [OFFLOAD]", got,
            "\n".join(conntrack(lab, gw, ALLOWED)))
    return client


def recreate_checks(c, g, lab, gw, net, client):
    lab.ip(gw, "link del wan0")
    c.check("wan0 deleted: the flowtable holds lan0 alone",
            g.wait_until(lambda: "on lan0;" in fast_path(g), timeout=60), fast_path(g))
    wan_link(lab, gw, net)
    c.check("wan0 made again: the reconciler puts it back in the flowtable",
            g.wait_until(lambda: "on lan0, wan0;" in fast_path(g), timeout=60), fast_path(g))
    c.check("the same connection carries data after the re-creation", exchange(client, "again") == "again")
    got = g.wait_until(lambda: exchange(client, "more") == "more" and offloaded(lab, gw, ALLOWED), timeout=60)
    c.check("... and is offloaded again", got, "\n".join(conntrack(lab, gw, ALLOWED)))
    d = g.gwctl_run("diff")
    c.check("gwctl diff is empty: the kernel's flowtable reads back as compiled",
            d.returncode == 0 and not d.stdout, d.stdout + d.stderr)


def guest_zone_checks(c, lab, gw, guest):
    """Run once the LAN's connection was seen offloaded: the guest's, through the
    same rule and as many exchanges, must not be."""
    client = connect_client(lab, guest)
    c.check("the guest host (zone fast-path: false) connects to the Internet side", client is not None)
    if client is None:
        return
    words = [f"guest{i}" for i in range(8)]
    c.check("... and gets its data echoed", all(exchange(client, w) == w for w in words))
    lines = conntrack(lab, gw, ALLOWED, GUEST_HOST)
    c.check("... and its established connection is not offloaded (conntrack, no [OFFLOAD])",
            lines and not offloaded(lab, gw, ALLOWED, GUEST_HOST), "\n".join(lines))
    client.stdin.close()


def drop_checks(c, lab, gw, lan, net):
    lab.tcp_server(net, REFUSED)
    lab.tcp_server(lan, INBOUND)
    c.check(f"the LAN host cannot open tcp {REFUSED} (no rule allows it)",
            lab.connect(lan, NET_HOST, REFUSED, timeout=3) is None)
    c.check(f"the Internet side cannot open tcp {INBOUND} to the LAN host",
            lab.connect(net, LAN_HOST, INBOUND, timeout=3) is None)
    c.check("... and neither was offloaded",
            not offloaded(lab, gw, REFUSED) and not offloaded(lab, gw, INBOUND),
            "\n".join(conntrack(lab, gw, REFUSED) + conntrack(lab, gw, INBOUND)))


def run(c, lab, wd, bus, gatewayd, gwctl):
    gw, lan, guest, net = topology(lab)
    g = start(c, lab, wd, bus, gw, gatewayd, gwctl)
    if c.failed:
        return
    client = offload_checks(c, g, lab, gw, lan, net)
    if not c.failed:
        guest_zone_checks(c, lab, gw, guest)
        recreate_checks(c, g, lab, gw, net, client)
    drop_checks(c, lab, gw, lan, net)
    if c.failed:
        print(g.gwctl_run("status").stdout)
        print(f"--- gatewayd log\n{g.log()[-3000:]}")
    g.stop()


def main():
    require_guest()
    c = Checks("firewall.fast-path: flowtable offload (vm)")
    lab = Lab("f")
    wd = workdir()
    bus = Bus(wd)
    try:
        run(c, lab, wd, bus, sys.argv[1], sys.argv[2])
    finally:
        lab.close()
        bus.close()
    c.finish()


if __name__ == "__main__":
    main()
