#!/usr/bin/env python3
"""v6plus + PPPoE coexistence with real packets (root, real kernel): the
real gatewayd runs examples/coexistence.yaml in a namespace on a private
bus, with a stand-in pppd (no PPP in this kernel) whose tun link "isp"
relays to a tun in an "isp" namespace, and a "v6plus router" namespace as
the next hop. Both upstream namespaces hold the same "internet" address
198.51.100.1, each with a server that says which namespace answered and
which source it saw, so every check tells which uplink a packet took.

Checked, with `gwctl diff` empty after each step:
- default traffic from a LAN client leaves by the next hop, masqueraded;
- a forward arriving over PPPoE is answered over PPPoE, although the
  default is v6plus (connection mark restored on the server's replies);
- the gateway's own reply to a connection that came in over PPPoE leaves
  by PPPoE even to a v6plus-side address (route-type output chain);
- the pinned server leaves by PPPoE with the PPPoE address; a second pin
  (fallback: default) too; hairpin reaches the server;
- PPPoE down (carrier lost): the pinned server is refused at once
  (fallback: drop), the second pin falls back to v6plus;
- PPPoE up again with a NEW address: the from-rule, the forward and the
  hairpin follow it.

Usage: test_coexistence.py GATEWAYD GWCTL STANDIN_PPPD EXAMPLE   (root)
"""
import os
import shutil
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Bus, Checks, Gateway, Lab, require_root, workdir  # noqa: E402
import standin  # noqa: E402

INTERNET = "198.51.100.1"
SERVER, SERVER2, CLIENT = "172.16.1.100", "172.16.1.101", "172.16.5.10"
FIRST, SECOND, PEER = "203.0.113.7", "203.0.113.9", "203.0.113.1"
ISP_TABLE = "1001"
CONNECT_TIMEOUT = 3.0  # seconds; the vm tier raises it
# The gateway's address on the v6plus side, which the v6plus side sees:
# masquerade to the next-hop link's address (the MAP-E variant, in the vm
# tier, sets its CE address).
V6PLUS_ADDRESS = "192.168.1.2"


def lab_config(example, password_file):
    """The example as shipped, with a password file of the test's own, the
    gateway's own service on 2222 open from the uplinks, and a second pin
    that falls back to the default uplink."""
    text = open(example).read()
    assert "/etc/gatewayd/isp.password" in text and text.rstrip().endswith("fallback: drop")
    text = text.replace("/etc/gatewayd/isp.password", password_file)
    ssh = "        proto: tcp\n        port: 22\n"
    assert ssh in text
    text = text.replace(ssh, ssh + textwrap.indent(textwrap.dedent("""\
        - name: own-service
          action: allow
          from: wan
          proto: tcp
          port: 2222
        """), "      "), 1)
    return text.rstrip() + textwrap.indent(textwrap.dedent(f"""
        - from: {SERVER2}/32
          uplink: isp
          fallback: default
        """), "    ")


SECRET = "not-a-real-secret"


def password_file(wd):
    return standin.password_file(os.path.join(wd, "isp.password"), SECRET)


class Topology:
    def __init__(self, lab):
        self.lab = lab
        self.gw = lab.netns("gw")
        sw = lab.netns("sw")
        lab.bridge(sw, "br0")
        lab.veth(self.gw, "lan0", sw, "p-gw")
        lab.ip(sw, "link set p-gw master br0")
        self.client = lab.host("client", sw, "br0", f"{CLIENT}/16", "172.16.2.1")
        self.server = lab.host("server", sw, "br0", f"{SERVER}/16", "172.16.2.1")
        self.server2 = lab.host("server2", sw, "br0", f"{SERVER2}/16", "172.16.2.1")
        self.v6p = lab.netns("v6p")
        lab.veth(self.gw, "v6p0", self.v6p, "eth0")
        lab.ip(self.v6p, "addr add 192.168.1.1/24 dev eth0")
        # The PPPoE Ethernet port: the ISP's access concentrator sits on the
        # far end (the stand-in ignores it and relays through its own tuns).
        self.isp = lab.netns("isp")
        lab.veth(self.gw, "wan0", self.isp, "eth0")
        for ns in (self.v6p, self.isp):
            lab.ip(ns, f"addr add {INTERNET}/32 dev lo")
            lab.tcp_server(ns, 8080)
        lab.tcp_server(self.server, 443)
        lab.tcp_server(self.gw, 2222)


def connect_from(lab, ns, source, address, port, timeout=None):
    """(peer seen by the server, server namespace), or the error text."""
    timeout = timeout or CONNECT_TIMEOUT
    code = textwrap.dedent(f"""
        import socket
        s = socket.socket()
        s.settimeout({timeout})
        try:
            if "{source}":
                s.bind(("{source}", 0))
            s.connect(("{address}", {port}))
            print(s.recv(2048).decode())
        except OSError as e:
            print("FAIL", e)
    """)
    out = lab.run(ns, [sys.executable, "-c", code], timeout=timeout + 20).stdout.strip()
    return out if out.startswith("FAIL") else tuple(out.split())


def rules(lab, ns):
    return lab.run(ns, ["ip", "-4", "rule", "show"]).stdout


def isp_up(lab, g, address):
    """The session is up with `address` and gatewayd has followed it."""
    routes = lab.run(g.ns, ["ip", "route", "show", "table", ISP_TABLE], check=False).stdout
    return (f"from {address} lookup {ISP_TABLE}" in rules(lab, g.ns) and "default dev isp" in routes
            and address in " ".join(g.addresses("isp")))


def link_gone(lab, ns, name):
    return lab.run(ns, ["ip", "link", "show", name], check=False).returncode != 0


def in_sync(t, g, what):
    res = g.gwctl_run("diff")
    t.check(f"gwctl diff is empty {what}", res.returncode == 0, res.stdout[-1500:] + res.stderr[-500:])


def up_checks(t, lab, top, g, address):
    t.check(f"[{address}] a LAN client's default traffic leaves by the v6plus next hop, masqueraded",
            connect_from(lab, top.client, "", INTERNET, 8080) == (V6PLUS_ADDRESS, top.v6p))
    t.check(f"[{address}] a forward arriving over PPPoE reaches the server and is answered over PPPoE",
            connect_from(lab, top.isp, INTERNET, address, 443) == (INTERNET, top.server))
    t.check(f"[{address}] the pinned server leaves by PPPoE with the PPPoE address",
            connect_from(lab, top.server, "", INTERNET, 8080) == (address, top.isp))
    t.check(f"[{address}] the second pin (fallback: default) leaves by PPPoE while it is up",
            connect_from(lab, top.server2, "", INTERNET, 8080) == (address, top.isp))
    hairpin = connect_from(lab, top.client, "", address, 443)
    t.check(f"[{address}] hairpin: a LAN client reaches the server through the PPPoE address",
            isinstance(hairpin, tuple) and hairpin[1] == top.server, str(hairpin))


def own_reply_checks(t, lab, top):
    # The gateway's v6plus-side address, reached over PPPoE: the from-rule
    # alone would answer through v6plus; the restored mark must win.
    lab.ip(top.isp, f"route replace {V6PLUS_ADDRESS}/32 via {FIRST}")
    t.check("the gateway's own reply to a connection that came in over PPPoE leaves by PPPoE",
            connect_from(lab, top.isp, INTERNET, V6PLUS_ADDRESS, 2222) == (INTERNET, top.gw))


class StandinPppoe:
    """PPPoE on this kernel: gatewayd runs standin-pppd, whose "isp" tun
    relays to a tun in the isp namespace. Carrier loss is SIGUSR2; the
    session it restarts comes up with the conf's new address after a delay
    that is the window for the checks made while it is down."""

    def __init__(self, exe, workdir, top):
        self.standin = standin.Standin(workdir, exe, peer=PEER, peer_netns=top.isp)
        self.standin.configure(FIRST)

    def start(self, g):
        return self.standin.start(g)

    def lose_carrier(self, next_address):
        self.standin.lose_carrier(next_address, up_delay_ms=12000)

    def restore(self):
        pass  # the restarted session comes up by itself after its delay


def down_checks(t, lab, top, g, pppoe, patience):
    pppoe.lose_carrier(SECOND)
    ok = g.wait_until(lambda: link_gone(lab, g.ns, "isp") and FIRST not in rules(lab, g.ns), 30 * patience)
    t.check("PPPoE down: the link and the rule on its old address are gone", ok, rules(lab, g.ns))
    route = lab.run(g.ns, ["ip", "route", "get", INTERNET, "from", SERVER, "iif", "lan0"], check=False)
    t.check("PPPoE down: the pinned server's route is `unreachable` (fallback: drop)",
            route.returncode != 0 and "unreachable" in route.stderr, route.stdout + route.stderr)
    # A leak by v6plus would be answered by the server there. The route
    # error and the ICMP error limits draw on one per-host token bucket
    # (1 s each), so SYNs 1 s apart get no answer and the first ICMP
    # arrives with the retransmission 2 s later: give it time.
    refused = connect_from(lab, top.server, "", INTERNET, 8080, timeout=max(8.0, CONNECT_TIMEOUT))
    t.check("PPPoE down: the pinned server is told the network is unreachable, nothing leaks by v6plus",
            isinstance(refused, str) and "unreachable" in refused, str(refused))
    t.check("PPPoE down: the second pin (fallback: default) leaves by v6plus",
            connect_from(lab, top.server2, "", INTERNET, 8080) == (V6PLUS_ADDRESS, top.v6p))
    t.check("PPPoE down: the LAN client still leaves by v6plus",
            connect_from(lab, top.client, "", INTERNET, 8080) == (V6PLUS_ADDRESS, top.v6p))
    in_sync(t, g, "while PPPoE is down")
    t.check("... and PPPoE was down throughout those checks", link_gone(lab, g.ns, "isp"))


def run(t, lab, g, top, pppoe, patience=1):
    """The whole story; the caller stops gatewayd. `patience` multiplies
    the waits (the vm tier is ~20x slower)."""
    ready = pppoe.start(g)
    t.check("gatewayd is ready", ready, g.log()[-2000:])
    up = ready and g.wait_until(lambda: isp_up(lab, g, FIRST), 30 * patience)
    t.check(f"PPPoE comes up with {FIRST} and gatewayd follows it", up, rules(lab, g.ns) + g.log()[-2000:])
    if not up:
        return  # nothing below can mean anything
    in_sync(t, g, "with PPPoE up")
    up_checks(t, lab, top, g, FIRST)
    own_reply_checks(t, lab, top)
    down_checks(t, lab, top, g, pppoe, patience)
    pppoe.restore()
    t.check(f"PPPoE comes back with a new address {SECOND} and gatewayd follows it",
            g.wait_until(lambda: isp_up(lab, g, SECOND) and FIRST not in rules(lab, g.ns), 40 * patience),
            rules(lab, g.ns) + g.log()[-2000:])
    in_sync(t, g, "after the reconnect")
    hairpin_set = g.nft("list set inet gatewayd uplink_isp_addr4").stdout
    t.check("the hairpin set holds the new address only", SECOND in hairpin_set and FIRST not in hairpin_set,
            hairpin_set)
    up_checks(t, lab, top, g, SECOND)
    t.check("the daemon is still running", g.proc.poll() is None, g.log()[-1500:])


def main():
    gatewayd, gwctl, standin_exe, example = sys.argv[1:5]
    require_root()
    t = Checks("v6plus + PPPoE coexistence")
    lab = Lab("co")
    wd = workdir()
    bus = Bus(wd)
    try:
        top = Topology(lab)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        g.write_config(lab_config(example, password_file(wd)))
        run(t, lab, g, top, StandinPppoe(standin_exe, wd, top))
        g.stop()
    finally:
        lab.close()
        bus.close()
        shutil.rmtree(wd, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
