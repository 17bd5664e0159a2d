#!/usr/bin/env python3
"""Proof that `gwctl explain` tells the truth: for each example a matrix of
packets — every forward, allowed and denied ports, each zone pair, both
families, egress owner rules with real uids — explained offline and then
sent for real in a network-namespace lab where the example is applied as
shipped (only addresses that cannot be shipped, such as a PPPoE address,
are the lab's). The verdict and the translated addresses must agree on
every case; the number of disagreements is printed per example.

Usage: test_explain_matrix.py GWCTL EXAMPLES_DIR   (root)"""
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from accounts_overlay import AccountsOverlay  # noqa: E402
import bridge_split_lab as split  # noqa: E402
from home_router_lab import GATEWAY_LAN, INTERNET_HOST, PC, PUBLIC, SRV1, SRV2, HomeRouterLab  # noqa: E402
from netlab import Checks, Lab  # noqa: E402
from matrix import Matrix  # noqa: E402
from probe_server import start_server  # noqa: E402
from probes import probe, require_root  # noqa: E402

FORWARDS = [("tcp", 443, SRV1), ("tcp", 80, SRV1), ("tcp", 25, SRV1), ("tcp", 1935, SRV1),
            ("udp", 500, SRV1), ("udp", 1701, SRV1), ("udp", 4500, SRV1), ("tcp", 18080, SRV2)]


def home_router(t, gwctl, examples):
    example = os.path.join(examples, "home-router.yaml")
    hr = HomeRouterLab("xh")
    lab = hr.lab
    try:
        res = lab.run(hr.gw, [gwctl, "apply", example], check=False, timeout=60)
        t.check("home-router: gwctl apply", res.returncode == 0, res.stdout + res.stderr)
        # The Internet host can address the LAN directly (what a spoofing
        # or misrouting peer would do): the forward policy must stop it.
        lab.ip(hr.inet, f"route add 172.16.0.0/16 via {PUBLIC}")
        ports = sorted({f"{p}:{n}" for p, n, _ in FORWARDS} | {"tcp:8080", "tcp:22", "udp:53", "tcp:445",
                                                             "tcp:139", "udp:137", "tcp:8000"})
        start_server(lab, hr.srv1, "srv1", ports)
        start_server(lab, hr.srv2, "srv2", ports)
        start_server(lab, hr.inet, "inet", ports)
        start_server(lab, hr.gw, "gateway", ports)
        start_server(lab, hr.pc, "pc", ports)
        servers = {SRV1: "srv1", SRV2: "srv2", PC: "pc", INTERNET_HOST: "inet", PUBLIC: "gateway",
                   GATEWAY_LAN: "gateway"}
        m = Matrix(t, gwctl, example, hr.gw, servers, ["--uplink", f"isp={PUBLIC}"])
        run = lambda ns, dst, proto, port, user, timeout=2.0: probe(ns, dst, proto, port, timeout)  # noqa: E731
        for proto, port, _ in FORWARDS:
            m.case("forward from the Internet", hr.inet, INTERNET_HOST, PUBLIC, proto, port, probe_fn=run)
            m.case("forward by hairpin from the LAN", hr.pc, PC, PUBLIC, proto, port, probe_fn=run)
        for proto, port in [("tcp", 8080), ("tcp", 22), ("udp", 53)]:
            m.case("Internet -> gateway", hr.inet, INTERNET_HOST, PUBLIC, proto, port, probe_fn=run)
        for proto, port in [("tcp", 22), ("udp", 53), ("tcp", 8080)]:
            m.case("LAN -> gateway", hr.pc, PC, GATEWAY_LAN, proto, port, probe_fn=run)
        for proto, port in [("tcp", 8000), ("tcp", 445), ("tcp", 139), ("udp", 137), ("udp", 53)]:
            m.case("LAN -> Internet", hr.pc, PC, INTERNET_HOST, proto, port, probe_fn=run)
        for proto, port in [("tcp", 443), ("tcp", 8080), ("udp", 500)]:
            m.case("Internet -> LAN host directly", hr.inet, INTERNET_HOST, SRV1, proto, port, probe_fn=run)
        # A forwarded port sent to another LAN host's private address: forwards
        # answer on the uplink's own address only, so no server is reached.
        for proto, port in [("tcp", 443), ("udp", 500)]:
            m.case("Internet -> other LAN host on a forwarded port", hr.inet, INTERNET_HOST, PC, proto, port,
                   probe_fn=run)
        for dst in (INTERNET_HOST, PC):
            m.case("gateway -> out", hr.gw, "gateway", dst, "tcp", 8000, probe_fn=run)
        m.case("ping", hr.pc, PC, INTERNET_HOST, "icmp", probe_fn=run)
        m.case("ping", hr.inet, INTERNET_HOST, PUBLIC, "icmp", probe_fn=run)
        m.case("ping", hr.pc, PC, GATEWAY_LAN, "icmp", probe_fn=run)
        # IPv6: the file configures none, so nothing may cross.
        m.settle()  # before each change of the lab
        lab.ip(hr.pc, "addr add fd00:3::10/64 dev eth0 nodad")
        m.case("IPv6 without IPv6 config", hr.pc, "fd00:3::10", "2001:db8:ffff::1", "tcp", 443,
               probe_fn=run)
        # A LAN host sending from an address that does not live behind
        # lan0: the strict reverse-path filter gatewayd sets there drops it.
        m.settle()
        lab.ip(hr.pc, "addr add 198.18.5.5/32 dev eth0")
        spoof = lambda ns, dst, proto, port, user, timeout=2.0: probe(ns, dst, proto, port, timeout,  # noqa: E731
                                                                      source="198.18.5.5")
        m.case("spoofed source from the LAN", hr.pc, "198.18.5.5", INTERNET_HOST, "tcp", 8000, probe_fn=spoof,
               extra=["--in", "lan0"])
        m.settle()
        live_checks(t, lab, hr.gw, gwctl, example)
        return m
    finally:
        hr.close()


def live_checks(t, lab, ns, gwctl, example):
    """--live takes the uplink address from the kernel and says whether the
    live state still equals the file: after the apply it does, after the
    table is flushed by hand it does not."""
    argv = [gwctl, "explain", "--live", "--json", "--file", example, INTERNET_HOST, PUBLIC, "tcp/443"]
    ex = json.loads(lab.run(ns, argv).stdout)
    t.check("--live: the forward as the kernel's uplink address gives it",
            ex["verdict"] == "delivered" and ex["delivered_as"]["destination"] == SRV1, str(ex["verdict"]))
    t.check("--live: the live state equals the file", any("equal" in n for n in ex["notes"]), str(ex["notes"]))
    lab.run(ns, ["nft", "flush", "table", "inet", "gatewayd"])
    ex = json.loads(lab.run(ns, argv).stdout)
    t.check("--live after a hand flush: says the kernel differs", any("differs" in n for n in ex["notes"]),
            str(ex["notes"]))


def wait_no_tentative(lab, ns, bound=60.0):
    """Until duplicate address detection has passed on the addresses
    gwctl apply added (they cannot be used while tentative)."""
    deadline = time.monotonic() + bound
    while lab.run(ns, ["ip", "-6", "addr", "show", "tentative"]).stdout.strip():
        if time.monotonic() > deadline:
            raise RuntimeError(f"IPv6 addresses in {ns} still tentative after {bound} s")
        time.sleep(0.2)


EGRESS_GW4, EGRESS_GW6 = "192.0.2.10", "2001:db8:10::10"
EGRESS_PEER4, EGRESS_PEER6 = "192.0.2.1", "2001:db8:10::1"


def egress(t, gwctl, examples, workdir):
    example = os.path.join(examples, "egress.yaml")
    accounts = AccountsOverlay(workdir, ["dbuser"])
    lab = Lab("xe")
    try:
        gw, router = lab.netns("gw"), lab.netns("router")
        lab.veth(gw, "eth0", router, "eth0")
        lab.ip(router, f"addr add {EGRESS_PEER4}/24 dev eth0")
        lab.ip(router, f"addr add {EGRESS_PEER6}/64 dev eth0 nodad")
        res = lab.run(None, accounts.wrap(["ip", "netns", "exec", gw, gwctl, "apply", example]), check=False,
                      timeout=60)
        t.check("egress: gwctl apply (dbuser from the private account files)", res.returncode == 0,
                res.stdout + res.stderr)
        lab.ip(gw, f"route add default via {EGRESS_PEER6} dev eth0")  # the file routes IPv4 only
        wait_no_tentative(lab, gw)
        ports = ["tcp:12345", "tcp:80", "tcp:443", "tcp:8080", "tcp:22"]
        start_server(lab, router, "router", ports)
        start_server(lab, gw, "gateway", ports)
        servers = {EGRESS_PEER4: "router", EGRESS_PEER6: "router", EGRESS_GW4: "gateway", EGRESS_GW6: "gateway",
                   "127.0.0.1": "gateway", "::1": "gateway"}
        m = Matrix(t, gwctl, example, gw, servers, wrap=accounts.wrap)
        users = ["dbuser", "proxy", "nobody", "root"]

        def run(ns, dst, proto, port, user, timeout=2.0):
            return probe(ns, dst, proto, port, timeout, wrap=accounts.wrap, user=user)
        for user in users:
            ids = accounts.lookup(user)
            for dst in (EGRESS_PEER4, EGRESS_PEER6, "127.0.0.1"):
                for port in (12345, 80, 443, 8080):
                    m.case(f"owner {user}", gw, "gateway", dst, "tcp", port, uid=ids[0], user=ids, probe_fn=run)
        for src, dst in ((EGRESS_PEER4, EGRESS_GW4), (EGRESS_PEER6, EGRESS_GW6)):
            for port in (22, 8080, 12345):
                m.case("incoming", router, src, dst, "tcp", port, probe_fn=run)
            m.case("incoming ping", router, src, dst, "icmp" if "." in dst else "icmpv6", probe_fn=run)
        m.settle()
        return m
    finally:
        lab.close()


COEX_INTERNET, COEX_SERVER, COEX_CLIENT = "198.51.100.1", "172.16.1.100", "172.16.5.10"
COEX_LAN, COEX_V6P, COEX_ROUTER, COEX_PPP, COEX_PEER = "172.16.2.1", "192.168.1.2", "192.168.1.1", "203.0.113.7", \
    "203.0.113.1"


def coexistence_lab(lab, workdir, examples):
    """The example as shipped but for its password file: gw with lan0 (a
    bridge with the server and a client), v6p0 to the v6plus router and a
    veth named isp (as pppd would name the link) carrying the PPPoE
    address. Both upstream namespaces hold the same Internet address, so
    the server that answers tells which uplink a packet took."""
    text = open(os.path.join(examples, "coexistence.yaml")).read()
    password = os.path.join(workdir, "isp.password")
    with open(password, "w") as f:
        f.write("secret\n")
    os.chmod(password, 0o600)
    config = os.path.join(workdir, "coexistence.yaml")
    with open(config, "w") as f:
        f.write(text.replace("/etc/gatewayd/isp.password", password))
    gw, v6p, isp = lab.netns("gw"), lab.netns("v6p"), lab.netns("isp")
    lab.veth(gw, "v6p0", v6p, "eth0")
    lab.veth(gw, "isp", isp, "eth0")
    lab.ip(v6p, f"addr add {COEX_ROUTER}/24 dev eth0")
    lab.ip(isp, f"addr add {COEX_PEER}/24 dev eth0")
    lab.ip(gw, f"addr add {COEX_PPP}/24 dev isp")
    for ns, net in ((v6p, "192.168.1.0/24"), (isp, "203.0.113.0/24")):
        lab.ip(ns, f"addr add {COEX_INTERNET}/32 dev lo")
        # It answers from its Internet address also where nothing binds
        # one (a UDP reply), like a host whose only address that is.
        lab.ip(ns, f"route replace {net} dev eth0 src {COEX_INTERNET}")
    lab.bridge(gw, "wan0")
    lab.bridge(gw, "lan0")
    srv = lab.host("srv", gw, "lan0", f"{COEX_SERVER}/16", COEX_LAN)
    client = lab.host("client", gw, "lan0", f"{COEX_CLIENT}/16", COEX_LAN)
    return config, gw, v6p, isp, srv, client


def coexistence(t, gwctl, examples, workdir):
    lab = Lab("xc")
    try:
        config, gw, v6p, isp, srv, client = coexistence_lab(lab, workdir, examples)
        res = lab.run(gw, [gwctl, "apply", config], check=False, timeout=60)
        t.check("coexistence: gwctl apply", res.returncode == 0, res.stdout + res.stderr)
        ports = ["tcp:443", "tcp:80", "tcp:25", "tcp:22", "tcp:8000", "udp:53"]
        for ns, name in ((v6p, "v6plus"), (isp, "isp"), (srv, "srv"), (client, "client"), (gw, "gateway")):
            start_server(lab, ns, name, ports)
        servers = {COEX_INTERNET: {"v6p0": "v6plus", "isp": "isp"}, COEX_SERVER: "srv", COEX_CLIENT: "client",
                   COEX_LAN: "gateway", COEX_V6P: "gateway", COEX_PPP: "gateway"}
        m = Matrix(t, gwctl, config, gw, servers, ["--uplink", f"isp={COEX_PPP}"])
        run = lambda ns, dst, proto, port, user, timeout=2.0: probe(ns, dst, proto, port, timeout)  # noqa: E731
        m.case("LAN client out by the default uplink", client, COEX_CLIENT, COEX_INTERNET, "tcp", 8000, probe_fn=run)
        m.case("pinned server out by PPPoE", srv, COEX_SERVER, COEX_INTERNET, "tcp", 8000, probe_fn=run)
        m.case("pinned server, udp", srv, COEX_SERVER, COEX_INTERNET, "udp", 53, probe_fn=run)
        m.case("gateway's own traffic", gw, "gateway", COEX_INTERNET, "tcp", 8000, probe_fn=run)
        for port in (443, 80, 25, 22):
            m.case("in over PPPoE, answered over PPPoE", isp, COEX_INTERNET, COEX_PPP, "tcp", port, probe_fn=run)
            m.case("in over v6plus (forwards are PPPoE only)", v6p, COEX_INTERNET, COEX_V6P, "tcp", port,
                   probe_fn=run)
            m.case("hairpin to the PPPoE address", client, COEX_CLIENT, COEX_PPP, "tcp", port, probe_fn=run)
        for port in (22, 8000):
            m.case("LAN -> gateway", client, COEX_CLIENT, COEX_LAN, "tcp", port, probe_fn=run)
        m.case("ping out", client, COEX_CLIENT, COEX_INTERNET, "icmp", probe_fn=run)
        m.settle()
        # PPPoE down: the link loses its address, the next apply follows.
        lab.ip(gw, "addr flush dev isp")
        res = lab.run(gw, [gwctl, "apply", config], check=False, timeout=60)
        t.check("coexistence: gwctl apply with PPPoE down", res.returncode == 0, res.stdout + res.stderr)
        down = Matrix(t, gwctl, config, gw, servers, ["--uplink", "isp=down"])
        down.case("PPPoE down: the pin refuses", srv, COEX_SERVER, COEX_INTERNET, "tcp", 8000, probe_fn=run)
        down.case("PPPoE down: the LAN leaves by v6plus", client, COEX_CLIENT, COEX_INTERNET, "tcp", 8000,
                  probe_fn=run)
        down.settle()
        m.cases += down.cases
        m.disagreements += down.disagreements
        return m
    finally:
        lab.close()


SPLIT_ISP4, SPLIT_LAN4, SPLIT_GW4 = "192.168.10.30", "192.168.10.20", "192.168.10.1"


def bridge_split(t, gwctl, workdir):
    """The IPv6 split on this kernel's path (no meta broute: the l3-on-bridge
    fallback through br_netfilter), in the bridge-split test's lab."""
    config = os.path.join(workdir, "split.yaml")
    with open(config, "w") as f:
        f.write(split.config("l3-on-bridge"))
    lab = Lab("xs")
    try:
        gw, lan, isp = split.topology(lab)
        for ns, a4 in ((lan, SPLIT_LAN4), (isp, SPLIT_ISP4)):
            lab.ip(ns, f"addr add {a4}/24 dev eth0")
        res = lab.run(gw, [gwctl, "apply", config], check=False, timeout=60)
        t.check("bridge split (l3-on-bridge): gwctl apply", res.returncode == 0, res.stdout + res.stderr)
        ports = [f"tcp:{split.ALLOWED}", f"tcp:{split.BLOCKED}"]
        for ns, name in ((lan, "lan"), (isp, "isp"), (gw, "gateway")):
            start_server(lab, ns, name, ports)
        servers = {split.LAN6: "lan", split.ISP6: "isp", SPLIT_LAN4: "lan", SPLIT_ISP4: "isp", SPLIT_GW4: "gateway"}
        run = lambda ns, dst, proto, port, user, timeout=2.0: probe(ns, dst, proto, port, timeout)  # noqa: E731
        inbound = Matrix(t, gwctl, config, gw, servers, ["--in", "wan0"])
        outbound = Matrix(t, gwctl, config, gw, servers, ["--in", "lan0"])
        for port in (split.ALLOWED, split.BLOCKED):
            inbound.case("IPv6 in from the WAN side", isp, split.ISP6, split.LAN6, "tcp", port, probe_fn=run)
            outbound.case("IPv6 out from the LAN side", lan, split.LAN6, split.ISP6, "tcp", port, probe_fn=run)
            inbound.case("IPv4 never bridged WAN -> LAN", isp, SPLIT_ISP4, SPLIT_LAN4, "tcp", port, probe_fn=run)
            outbound.case("IPv4 never bridged LAN -> WAN", lan, SPLIT_LAN4, SPLIT_ISP4, "tcp", port, probe_fn=run)
        inbound.case("IPv6 ping in", isp, split.ISP6, split.LAN6, "icmpv6", probe_fn=run)
        outbound.case("ping the gateway from the LAN port", lan, SPLIT_LAN4, SPLIT_GW4, "icmp", probe_fn=run)
        inbound.case("ping the gateway from the WAN port", isp, SPLIT_ISP4, SPLIT_GW4, "icmp", probe_fn=run)
        inbound.settle()
        outbound.settle()
        inbound.cases += outbound.cases
        inbound.disagreements += outbound.disagreements
        return inbound
    finally:
        lab.close()


def forwards_fixture(t, gwctl, fixture):
    """tests/nft/packets.yaml: a port translated (8443 -> 443), a forward
    open to one source only, a port range, on a next-hop uplink."""
    lab = Lab("xf")
    try:
        gw, out = lab.netns("gw"), lab.netns("out")
        lab.veth(gw, "wan0", out, "eth0")
        lab.ip(out, "addr add 10.0.0.2/24 dev eth0")
        lab.ip(out, "addr add 10.0.0.99/24 dev eth0")
        lab.ip(gw, "addr add 10.0.0.1/24 dev wan0")
        lab.bridge(gw, "lan0")
        srv = lab.host("srv", gw, "lan0", "172.16.1.100/16", "172.16.2.1")
        cli = lab.host("cli", gw, "lan0", "172.16.5.5/16", "172.16.2.1")
        res = lab.run(gw, [gwctl, "apply", fixture], check=False, timeout=60)
        t.check("forwards fixture: gwctl apply", res.returncode == 0, res.stdout + res.stderr)
        ports = ["tcp:443", "tcp:8443", "tcp:9000", "tcp:7000", "tcp:7005", "tcp:7010", "tcp:7011", "tcp:8000"]
        for ns, name in ((srv, "srv"), (out, "out"), (gw, "gateway"), (cli, "cli")):
            start_server(lab, ns, name, ports)
        servers = {"172.16.1.100": "srv", "10.0.0.2": "out", "10.0.0.99": "out", "10.0.0.1": "gateway",
                   "172.16.2.1": "gateway", "172.16.5.5": "cli"}
        lab.ip(out, "route add 172.16.0.0/16 via 10.0.0.1")
        m = Matrix(t, gwctl, fixture, gw, servers, ["--uplink", "up=10.0.0.1/24"])

        def from_source(source):
            return lambda ns, dst, proto, port, user, timeout=2.0: probe(ns, dst, proto, port, timeout,
                                                                         source=source)
        for src in ("10.0.0.2", "10.0.0.99"):
            for port in (8443, 443, 9000, 7000, 7005, 7010, 7011):
                m.case("forward from outside", out, src, "10.0.0.1", "tcp", port, probe_fn=from_source(src))
        for port in (8443, 7005, 9000):
            m.case("hairpin", cli, "172.16.5.5", "10.0.0.1", "tcp", port, probe_fn=from_source(None))
        m.case("LAN out, masqueraded", cli, "172.16.5.5", "10.0.0.2", "tcp", 8000, probe_fn=from_source(None))
        m.case("outside to a LAN host directly", out, "10.0.0.2", "172.16.1.100", "tcp", 443,
               probe_fn=from_source("10.0.0.2"))
        m.settle()
        return m
    finally:
        lab.close()


def main():
    gwctl, examples = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    fixture = os.path.join(HERE, "..", "nft", "packets.yaml")
    require_root()
    t = Checks("explain matrix")
    totals = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name, fn in (("home-router", lambda: home_router(t, gwctl, examples)),
                         ("egress", lambda: egress(t, gwctl, examples, workdir)),
                         ("coexistence", lambda: coexistence(t, gwctl, examples, workdir)),
                         ("bridge-split fallback", lambda: bridge_split(t, gwctl, workdir)),
                         ("forwards fixture", lambda: forwards_fixture(t, gwctl, fixture))):
            m = fn()
            assert not m.pending, f"{name}: cases queued but never settled"
            totals[name] = (m.cases, len(m.disagreements))
    for name, (cases, bad) in totals.items():
        print(f"{name}: {cases} cases, {bad} disagreements")
    t.finish()


if __name__ == "__main__":
    main()
