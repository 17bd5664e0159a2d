#!/usr/bin/env python3
"""A native MAP-E CE against a border relay (runs inside the vm guest
through run_in_vm.py: the host kernel has no ip6_tunnel). gatewayd runs a
`kind: map-e` uplink (the v6plus profile and the published rule
240b:10::/31 <-> 106.72.0.0/15, EA-bits 25, PSID offset 4) in namespace
"gw". Namespace "br" is the ISP: the WAN /64 is on-link there, and it is
the border relay, an ip6tnl ipip6 endpoint at the profile's BR address
whose remote is the CE, routing the CE's IPv4 address into the tunnel.
Behind it, namespace "inet" is the IPv4 Internet, with a server that
answers every connection or datagram with the source address and port it
saw (and, for TCP, the MSS it was offered). The LAN namespace holds a
client and a forward's server.

The expected CE (IPv4 address, PSID, ports, IPv6 address) is computed
here from the RFC 7597 / draft-03 formulas on their own, not by asking
gatewayd. Checked:
- the tunnel: ip6tnl ipip6, local = CE IPv6, remote = BR, encaplimit
  none, MTU 1460; the CE IPv6 /128 on wan0, the CE IPv4 on the tunnel;
- `gwctl status --json` shows CE IPv4, IPv6, PSID and the 15 blocks;
- 240 UDP flows leave with the CE address and 240 distinct source ports,
  all in the set, every block used; TCP too; ICMP echo ids in the set (the
  BR's conntrack); SYNs clamped to the tunnel (MSS <= 1420);
- 1,000 concurrent TCP connections to 7 ports of one Internet address
  (one address and port can take at most the 240 ports of the set):
  every source port in the set, all 240 used;
- a forward of a port in the set reaches the LAN server; a forwarded port
  outside the set is not forwarded; a forward of port 443 is refused by
  `gwctl check` at its line;
- the WAN /64 renumbered as router advertisements do it (the old address
  kept, deprecated): tunnel local address, CE addresses and the SNAT map
  follow the new prefix, `gwctl diff` is empty, a long-lived flow and new
  traffic carry on with the new CE.

Usage (guest): test_mape.py GATEWAYD GWCTL
"""
import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Checks, Gateway, daemon_lab, require_root, workdir  # noqa: E402

BR = "2404:9200:225:100::64"  # the v6plus profile's border relay
RULE6, RULE4, EA_BITS, OFFSET = "240b:10::/31", "106.72.0.0/15", 25, 4
FIRST_PREFIX, SECOND_PREFIX = "240b:10:6789:ab00::", "240b:11:2345:6700::"
INTERNET, LAN_CLIENT, LAN_SERVER = "198.51.100.1", "172.16.5.10", "172.16.1.100"
PROBE_PORT = 7000
STEADY_PORT = 40000  # a client source port that keeps one flow (to MANY_PORTS[0]) across the renumbering
MANY_PORTS = list(range(7001, 7008))  # 7 is prime to 240: no two connections meet on one tuple
PATIENCE = 60.0  # seconds for anything gatewayd follows (TCG is ~20x slower)


class Ce:
    """The CE that an end-user /56 gives under the rule (draft-03 layout)."""

    def __init__(self, prefix):
        rule6, rule4 = ipaddress.ip_network(RULE6), ipaddress.ip_network(RULE4)
        bits = int(ipaddress.IPv6Address(prefix))
        ea = (bits >> (128 - rule6.prefixlen - EA_BITS)) & ((1 << EA_BITS) - 1)
        psid_len = EA_BITS - (32 - rule4.prefixlen)
        self.psid = ea & ((1 << psid_len) - 1)
        self.ipv4 = str(rule4.network_address + (ea >> psid_len))
        iid = (int(ipaddress.IPv4Address(self.ipv4)) << 24) | (self.psid << 8)
        self.ipv6 = str(ipaddress.IPv6Address((bits >> 64 << 64) | iid))
        shift = 16 - OFFSET - psid_len
        self.blocks = [((i << (16 - OFFSET)) | (self.psid << shift),
                        (i << (16 - OFFSET)) | (self.psid << shift) | ((1 << shift) - 1))
                       for i in range(1, 1 << OFFSET)]
        self.ports = {p for first, last in self.blocks for p in range(first, last + 1)}

    def block_of(self, port):
        return port >> (16 - OFFSET)


def other_psid_port(ce):
    """A port of block 1 that belongs to another CE's set."""
    return (1 << (16 - OFFSET)) | (((ce.psid + 1) % 256) << 4)


def config(ce):
    inside, outside = min(ce.ports), other_psid_port(ce)
    return textwrap.dedent(f"""\
        version: 1
        interfaces:
          lan:
            device: lan0
            addresses: [172.16.2.1/16]
        uplinks:
          v6plus:
            kind: map-e
            device: wan0
            profile: v6plus
            rule:
              ipv6-prefix: {RULE6}
              ipv4-prefix: {RULE4}
              ea-bits: {EA_BITS}
              psid-offset: {OFFSET}
            default-route: true
        zones:
          lan:
            interfaces: [lan]
            networks: 172.16.0.0/16
          wan:
            uplinks: [v6plus]
        nat:
          forwards:
            - name: game
              proto: tcp
              ports: [{inside}, {outside}]
              to: {LAN_SERVER}
              uplink: v6plus
        firewall:
          input:
            policy: drop
            rules:
              - {{name: ssh, action: allow, from: lan, proto: tcp, port: 22}}
          forward:
            policy: drop
            rules:
              - {{name: lan-out, action: allow, from: lan, to: wan}}
        """)


# ---- the Internet's server and the LAN's clients ----------------------------

SERVER = textwrap.dedent("""
    import resource, selectors, socket, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    sel, kept = selectors.DefaultSelector(), []
    for port in map(int, sys.argv[1:]):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port))
            if kind == socket.SOCK_STREAM:
                s.listen(4096)
            sel.register(s, selectors.EVENT_READ)
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            try:
                if s.type == socket.SOCK_STREAM:
                    c, peer = s.accept()
                    mss = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
                    c.sendall(("%s %d %d\\n" % (peer[0], peer[1], mss)).encode())
                    kept.append(c)  # open until the client closes: connections stay concurrent
                else:
                    _, peer = s.recvfrom(2048)
                    s.sendto(("%s %d 0\\n" % peer).encode(), peer)
            except OSError:
                pass
""")

# argv: proto address count first_source_port port... ; prints one JSON
# list of [dst_port, seen address, seen port, mss] per answered flow, and
# the failures. UDP flows take source ports first_source_port, +1, ... (so
# no two flows of a run share a conntrack entry, as two random ephemeral
# ports could); TCP connections are all opened before any is read or closed.
CLIENT = textwrap.dedent("""
    import json, resource, selectors, socket, sys, time
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    proto, address, count, base = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ports = list(map(int, sys.argv[5:]))
    seen, failed = [], 0
    if proto == "udp":
        for i in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            s.bind(("0.0.0.0", base + i))
            try:
                s.sendto(b"x", (address, ports[i % len(ports)]))
                a, p, m = s.recv(256).decode().split()
                seen.append([ports[i % len(ports)], a, int(p), int(m)])
            except OSError:
                failed += 1
            s.close()
    else:
        sel, socks = selectors.DefaultSelector(), []
        for i in range(count):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((address, ports[i % len(ports)]))
            socks.append((ports[i % len(ports)], s))
            sel.register(s, selectors.EVENT_READ, ports[i % len(ports)])
        deadline, pending = time.monotonic() + 120, len(socks)
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(5):
                sel.unregister(key.fileobj)
                pending -= 1
                try:
                    a, p, m = key.fileobj.recv(256).decode().split()
                    seen.append([key.data, a, int(p), int(m)])
                except (OSError, ValueError):
                    failed += 1
        failed += pending
        for _, s in socks:
            s.close()
    print(json.dumps({"seen": seen, "failed": failed}))
""")


def flows(lab, ns, proto, count, ports, base=0, address=INTERNET):
    out = lab.run(ns, [sys.executable, "-c", CLIENT, proto, address, str(count), str(base)]
                  + [str(p) for p in ports],
                  timeout=400).stdout
    return json.loads(out)


def spread_checks(t, what, ce, result, expect_all):
    seen = result["seen"]
    ports = [p for _, _, p, _ in seen]
    addresses = {a for _, a, _, _ in seen}
    blocks = {ce.block_of(p) for p in ports}
    outside = sorted(set(ports) - ce.ports)
    t.check(f"{what}: every flow answered", result["failed"] == 0 and seen, f"{result['failed']} failed")
    t.check(f"{what}: the Internet saw the CE address {ce.ipv4} only", addresses == {ce.ipv4}, str(addresses))
    t.check(f"{what}: every source port inside the port set", not outside, f"outside: {outside[:20]}")
    t.check(f"{what}: {len(set(ports))} distinct source ports over {len(blocks)} of 15 blocks",
            len(blocks) == 15 and (len(set(ports)) == 240 if expect_all else len(set(ports)) > 16),
            f"ports {sorted(set(ports))[:40]}")
    print(f"     {what}: {len(seen)} flows, {len(set(ports))} distinct ports, blocks {sorted(blocks)}")


# ---- the topology -------------------------------------------------------------

class Topology:
    def __init__(self, lab):
        self.lab = lab
        self.gw, self.br, self.inet, self.lan = (lab.netns(n) for n in ("gw", "br", "inet", "lan"))
        lab.veth(self.gw, "lan0", self.lan, "eth0")
        lab.ip(self.lan, f"addr add {LAN_CLIENT}/16 dev eth0")
        lab.ip(self.lan, f"addr add {LAN_SERVER}/16 dev eth0")
        lab.ip(self.lan, "route add default via 172.16.2.1")
        lab.veth(self.gw, "wan0", self.br, "eth0")
        wire_border_relay(lab, self.br, "eth0", self.gw, "wan0", static_default=False)
        lab.veth(self.br, "eth1", self.inet, "eth0")
        lab.ip(self.br, "addr add 198.51.100.254/24 dev eth1")
        lab.ip(self.inet, f"addr add {INTERNET}/24 dev eth0")
        lab.ip(self.inet, "route add default via 198.51.100.254")
        lab.sysctl(self.br, "net.ipv4.ip_forward", "1")
        # Conntrack at the BR, to read ICMP echo ids as they left the CE.
        lab.run(self.br, ["nft", "-f", "-"], input=textwrap.dedent("""\
            table ip observe {
                chain forward { type filter hook forward priority 0; ct state new counter; }
            }
            """))

        self.radvd = Radvd(lab, self.br, "eth0")

    def border_relay(self, ce, old=None):
        border_relay(self.lab, self.br, ce, old)


class Radvd:
    """radvd in the BR namespace: the ISP's router advertisements on the
    CE's IPv6 link, every 3-4 s. advertise() rewrites its config (a prefix,
    and optionally an old one with preferred lifetime 0) and reloads it."""

    def __init__(self, lab, ns, dev):
        self.lab, self.ns, self.dev = lab, ns, dev
        self.dir = workdir()
        self.conf = os.path.join(self.dir, "radvd.conf")
        self.pidfile = os.path.join(self.dir, "radvd.pid")
        self.logfile = os.path.join(self.dir, "radvd.log")
        self.proc = None
        lab.sysctl(ns, "net.ipv6.conf.all.forwarding", "1")

    def advertise(self, prefix, deprecated=None):
        old = (f"    prefix {deprecated}/64 {{ AdvOnLink on; AdvAutonomous on; AdvPreferredLifetime 0; }};\n"
               if deprecated else "")
        with open(self.conf, "w") as f:
            f.write(f"interface {self.dev} {{\n    AdvSendAdvert on;\n    MinRtrAdvInterval 3;\n"
                    f"    MaxRtrAdvInterval 4;\n    prefix {prefix}/64 {{ AdvOnLink on; AdvAutonomous on; }};\n"
                    f"{old}}};\n")
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGHUP)
            return
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, "radvd", "--nodaemon", "-C", self.conf,
                                      "-p", self.pidfile, "-m", "logfile", "-l", self.logfile, "-u", "root"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)  # the lab's teardown kills process groups
        self.lab.processes.append(self.proc)

    def log(self):
        try:
            return open(self.logfile).read()[-1500:]
        except OSError:
            return "(no radvd log)"


def wire_border_relay(lab, br, br_dev, gw, gw_dev, static_default=True):
    """The ISP's end of the CE's IPv6 link in namespace `br`: every CE of
    the rule on-link, fe80::1 the CE's IPv6 router, the BR address. With
    static_default=False the CE's IPv6 default route is left to the RA
    (the kernel drops an RA whose default route it cannot add, prefixes
    and all, when a static one is there)."""
    lab.ip(br, f"addr add fe80::1/64 dev {br_dev}")
    lab.ip(br, f"-6 route add {RULE6} dev {br_dev}")
    lab.ip(br, f"addr add {BR}/128 dev lo")
    if static_default:
        lab.ip(gw, f"-6 route add default via fe80::1 dev {gw_dev}")


def border_relay(lab, br, ce, old=None):
    """The BR's tunnel to `ce` and the route of its IPv4 address into it."""
    verb = "change" if old else "add"
    lab.ip(br, f"-6 tunnel {verb} mapbr mode ipip6 local {BR} remote {ce.ipv6} encaplimit none")
    lab.ip(br, "link set mapbr up")
    if old:
        lab.ip(br, f"route del {old.ipv4}/32 dev mapbr")
    lab.ip(br, f"route add {ce.ipv4}/32 dev mapbr")


def tunnel_text(lab, ns):
    return lab.run(ns, ["ip", "-d", "link", "show", "v6plus"], check=False).stdout


def ce_applied(lab, g, ce, v6_link="wan0"):
    text = tunnel_text(lab, g.ns)
    return (f"local {ce.ipv6}" in text and f"{ce.ipv6}/128" in g.addresses(v6_link)
            and f"{ce.ipv4}/32" in g.addresses("v6plus"))


def mape_status(g):
    res = g.gwctl_run("status", "--json")
    if res.returncode != 0:
        return {}
    for up in json.loads(res.stdout).get("uplinks", []):
        if up.get("name") == "v6plus":
            return up.get("mape", {})
    return {}


def in_sync(t, g, what):
    res = g.gwctl_run("diff")
    t.check(f"gwctl diff is empty {what}", res.returncode == 0, res.stdout[-1500:] + res.stderr[-500:])


def kernel_checks(t, lab, top, g, ce):
    text = tunnel_text(lab, g.ns)
    t.check("the tunnel is ip6tnl ipip6 from the CE to the BR, encaplimit none, MTU 1460",
            all(s in text for s in ("ip6tnl ipip6", f"remote {BR}", f"local {ce.ipv6}", "encaplimit none",
                                    "mtu 1460")), text)
    t.check(f"the CE IPv6 {ce.ipv6}/128 is on wan0", f"{ce.ipv6}/128" in g.addresses("wan0"),
            str(g.addresses("wan0")))
    t.check(f"the CE IPv4 {ce.ipv4} is on the tunnel", f"{ce.ipv4}/32" in g.addresses("v6plus"),
            str(g.addresses("v6plus")))
    route = lab.run(g.ns, ["ip", "route", "show", "default"], check=False).stdout
    t.check("the IPv4 default route goes through the tunnel", "dev v6plus" in route, route)
    m = mape_status(g)
    want_blocks = [f"{a}-{b}" for a, b in ce.blocks]
    t.check(f"gwctl status --json shows CE {ce.ipv4}, PSID {ce.psid}, {ce.ipv6} and the 15 blocks",
            m.get("known") and m.get("ce_ipv4") == ce.ipv4 and m.get("psid") == ce.psid
            and m.get("ce_ipv6") == ce.ipv6 and m.get("ports") == 240 and m.get("blocks") == want_blocks,
            json.dumps(m))
    text = g.gwctl_run("status").stdout
    t.check("gwctl status names the CE and its port set", ce.ipv4 in text and f"{ce.blocks[0][0]}-" in text,
            text[-1500:])


def icmp_ids(lab, top, ce):
    out = lab.run(top.br, ["conntrack", "-L", "-p", "icmp", "-s", ce.ipv4], check=False).stdout
    return [int(i) for i in re.findall(r"type=8 code=0 id=(\d+)", out)]


def traffic_checks(t, lab, top, ce, what, udp_base):
    udp = flows(lab, top.lan, "udp", 240, [PROBE_PORT], base=udp_base)
    spread_checks(t, f"{what} UDP, 240 flows", ce, udp, True)
    tcp = flows(lab, top.lan, "tcp", 30, [PROBE_PORT])
    ports = [p for _, _, p, _ in tcp["seen"]]
    t.check(f"{what} TCP: 30 connections answered from {ce.ipv4}, ports in the set over "
            f"{len({ce.block_of(p) for p in ports})} blocks",
            tcp["failed"] == 0 and len(ports) == 30 and set(ports) <= ce.ports
            and {a for _, a, _, _ in tcp["seen"]} == {ce.ipv4} and len({ce.block_of(p) for p in ports}) == 15,
            json.dumps(tcp)[:800])
    mss = {m for _, _, _, m in tcp["seen"]}
    t.check(f"{what} TCP: SYNs clamped to the tunnel (the server was offered MSS {sorted(mss)} <= 1420)",
            mss and max(mss) <= 1420, str(mss))
    for _ in range(3):
        lab.run(top.lan, ["ping", "-n", "-c", "1", "-W", "10", INTERNET], check=False)
    ids = icmp_ids(lab, top, ce)
    t.check(f"{what} ICMP: echo ids at the BR {ids} are inside the port set", len(ids) >= 3 and set(ids) <= ce.ports,
            str(ids))


def forward_checks(t, lab, top, ce, what):
    inside, outside = min(ce.ports), other_psid_port(ce)
    got = lab.connect(top.inet, ce.ipv4, inside, timeout=10)
    t.check(f"{what} a forward of port {inside} (in the set) reaches the LAN server from the Internet",
            got == (INTERNET, top.lan), str(got))
    got = lab.connect(top.inet, ce.ipv4, outside, timeout=4)
    t.check(f"{what} the same forward's port {outside} (another CE's set) is not forwarded", got is None, str(got))
    got = lab.connect(top.lan, ce.ipv4, inside, timeout=10)
    t.check(f"{what} hairpin: a LAN client reaches the forward through the CE address {ce.ipv4}",
            got is not None and got[1] == top.lan, str(got))


def check_refuses_443(t, g, wd, ce):
    text = config(ce).replace(f"ports: [{min(ce.ports)}, {other_psid_port(ce)}]", "port: 443")
    path = os.path.join(wd, "forward-443.yaml")
    with open(path, "w") as f:
        f.write(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "port: 443" in l)
    col = text.splitlines()[line - 1].index("443") + 1
    res = g.gwctl_run("check", path)
    want = f"forward-443.yaml:{line}:{col}: error: port 443 is in no port set of map-e uplink 'v6plus'"
    t.check("gwctl check refuses a forward of port 443 on the map-e uplink at its line", res.returncode == 2
            and want in res.stdout + res.stderr, res.stdout + res.stderr)


def many_connections(t, lab, top, ce):
    # The server answers each connection at accept and keeps it open; the
    # client reads every answer before it closes any: 1,000 at once.
    res = flows(lab, top.lan, "tcp", 1000, MANY_PORTS)
    spread_checks(t, "1,000 concurrent TCP connections to 7 ports of one address", ce, res, True)
    per_dst = {}
    for dst, _, port, _ in res["seen"]:
        per_dst.setdefault(dst, set()).add(port)
    t.check("... no source port used twice towards one destination port",
            sum(len(v) for v in per_dst.values()) == len(res["seen"]), str({k: len(v) for k, v in per_dst.items()}))


def renumber(t, lab, top, g, old, new):
    # The ISP renumbers by router advertisement: the old prefix with a
    # preferred lifetime of 0 (the kernel keeps the address, deprecated,
    # for up to two hours), the new one preferred.
    top.radvd.advertise(SECOND_PREFIX, deprecated=FIRST_PREFIX)
    ok = g.wait_until(lambda: ce_applied(lab, g, new), PATIENCE)
    t.check(f"renumbered: the tunnel's local address, the CE IPv6 and IPv4 follow ({new.ipv4}, PSID {new.psid})",
            ok, tunnel_text(lab, g.ns) + str(g.addresses("wan0")) + g.log()[-1500:])
    t.check("renumbered: the old CE addresses are gone", f"{old.ipv6}/128" not in g.addresses("wan0")
            and f"{old.ipv4}/32" not in g.addresses("v6plus"), str(g.addresses("wan0") + g.addresses("v6plus")))
    snat = g.nft("list map inet gatewayd mape_v6plus_snat").stdout
    mapped = [int(p) for p in re.findall(r"\d+ : (\d+)", snat)]
    t.check("renumbered: the SNAT map holds the new CE's 240 ports, each once",
            len(mapped) == 240 and set(mapped) == new.ports, snat[:600])
    hairpin = g.nft("list set inet gatewayd uplink_v6plus_addr4").stdout
    t.check("renumbered: the hairpin set holds the new CE address only",
            new.ipv4 in hairpin and old.ipv4 not in hairpin, hairpin)
    in_sync(t, g, "after the renumbering")
    # The deprecated address removed while the ISP still announces the old
    # prefix (preferred lifetime 0): the next RA brings it back, newer than
    # the preferred one, and the CE must stay on the preferred prefix.
    for address in slaac_addresses(g, FIRST_PREFIX):
        lab.ip(g.ns, f"addr del {address} dev wan0")
    back = g.wait_until(lambda: bool(slaac_addresses(g, FIRST_PREFIX)), PATIENCE)
    t.check("renumbered: the old prefix's address, back (deprecated) from the next RA, does not move the CE",
            back and g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, PATIENCE) and ce_applied(lab, g, new),
            str(g.addresses("wan0")) + tunnel_text(lab, g.ns))
    # Then the ISP stops announcing it and the address expires (by hand: an
    # RA may not cut a lifetime below two hours, RFC 4862 5.5.3 e).
    top.radvd.advertise(SECOND_PREFIX)
    for address in slaac_addresses(g, FIRST_PREFIX):
        lab.ip(g.ns, f"addr del {address} dev wan0")
    t.check("renumbered: the old prefix's address gone at last changes nothing",
            g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, PATIENCE) and ce_applied(lab, g, new),
            g.gwctl_run("diff").stdout[-1500:])


def slaac_addresses(g, prefix):
    """wan0's /64 addresses inside `prefix`/64 (the CE's /128 is not one)."""
    net = ipaddress.ip_network(prefix + "/64")
    return [a for a in g.addresses("wan0")
            if a.endswith("/64") and ipaddress.ip_address(a.split("/")[0]) in net]


def debug_ra(lab, top, g):
    out = []
    for key in ("all.forwarding", "wan0.accept_ra", "wan0.autoconf", "wan0.disable_ipv6", "wan0.forwarding"):
        out.append(lab.run(g.ns, ["sysctl", f"net.ipv6.conf.{key}"], check=False).stdout.strip())
    out.append(lab.run(top.br, ["ip", "-6", "addr"], check=False).stdout)
    out.append(g.nft("list chain inet gatewayd input").stdout)
    out.append(f"radvd alive: {top.radvd.proc.poll() is None}")
    out.append(lab.run(g.ns, ["ip", "-6", "route"], check=False).stdout)
    return "\n".join(out)


def run(t, lab, top, g, wd):
    first, second = Ce(FIRST_PREFIX), Ce(SECOND_PREFIX)
    top.radvd.advertise(FIRST_PREFIX)
    g.write_config(config(first))
    t.check("gatewayd is ready", g.start(timeout=120), g.log()[-2000:])
    # gatewayd sets accept_ra=2 on wan0 (it forwards): SLAAC from the BR's RA.
    t.check("wan0 takes its address from the BR's router advertisement (SLAAC)",
            g.wait_until(lambda: bool(slaac_addresses(g, FIRST_PREFIX)), PATIENCE),
            str(g.addresses("wan0")) + top.radvd.log() + debug_ra(lab, top, g))
    up = g.wait_until(lambda: ce_applied(lab, g, first), PATIENCE)
    t.check(f"the CE is up: {first.ipv4}, PSID {first.psid}, {first.ipv6}", up,
            tunnel_text(lab, g.ns) + g.log()[-2000:])
    if not up:
        return
    top.border_relay(first)
    in_sync(t, g, "with the CE up")
    kernel_checks(t, lab, top, g, first)
    # Before anything left: the BR's first tunnel packet is a new flow to the CE.
    forward_checks(t, lab, top, first, "[first prefix, nothing sent yet]")
    traffic_checks(t, lab, top, first, "[first prefix]", 20000)
    check_refuses_443(t, g, wd, first)
    many_connections(t, lab, top, first)
    steady = flows(lab, top.lan, "udp", 1, [MANY_PORTS[0]], base=STEADY_PORT)["seen"]
    t.check("a steady UDP flow (one source port) leaves with the CE address", steady and steady[0][1] == first.ipv4,
            str(steady))
    renumber(t, lab, top, g, first, second)
    top.border_relay(second, old=first)
    # Its conntrack entry outlives the old address unless it goes with it.
    steady = flows(lab, top.lan, "udp", 1, [MANY_PORTS[0]], base=STEADY_PORT)["seen"]
    t.check("renumbered: the steady flow's next datagram leaves with the new CE address and is answered",
            steady and steady[0][1] == second.ipv4 and steady[0][2] in second.ports, str(steady))
    kernel_checks(t, lab, top, g, second)
    traffic_checks(t, lab, top, second, "[second prefix]", 30000)
    stale = min(first.ports)
    t.check(f"[second prefix] the forward's port {stale}, outside the new set, is no longer forwarded",
            stale not in second.ports and lab.connect(top.inet, second.ipv4, stale, timeout=4) is None)
    t.check("the daemon is still running", g.proc.poll() is None, g.log()[-1500:])


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    if not os.path.exists("/run/gw-vm"):
        print("run this inside the vm guest: tests/vm/run_in_vm.py -- " + sys.argv[0])
        sys.exit(2)
    t = Checks("MAP-E CE against a border relay")
    with daemon_lab("me") as (lab, wd, bus):
        top = Topology(lab)
        server = lab.spawn(top.inet, [sys.executable, "-c", SERVER, str(PROBE_PORT)] + [str(p) for p in MANY_PORTS])
        if server.stdout.readline().strip() != "ready":
            raise RuntimeError("the Internet's server did not start: " + server.stderr.read())
        first = Ce(FIRST_PREFIX)
        for port in (min(first.ports), other_psid_port(first)):
            lab.tcp_server(top.lan, port)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        try:
            run(t, lab, top, g, wd)
            g.stop()
        finally:
            if t.failed:
                print("--- gatewayd.log\n" + g.log()[-4000:])
    t.finish()


if __name__ == "__main__":
    main()
