#!/usr/bin/env python3
"""Proof that `gwctl explain` tells the truth: for each example a matrix of
packets — every forward, allowed and denied ports, each zone pair, both
families, egress owner rules with real uids — explained offline and then
sent for real in a network-namespace lab where the example is applied as
shipped (only addresses that cannot be shipped, such as a PPPoE address,
are the lab's). The verdict and the translated addresses must agree on
every case; the number of disagreements is printed per example.

Usage: test_explain_matrix.py GWCTL EXAMPLES_DIR   (root)"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from accounts_overlay import AccountsOverlay  # noqa: E402
from home_router_lab import GATEWAY_LAN, INTERNET_HOST, PC, PUBLIC, SRV1, SRV2, HomeRouterLab  # noqa: E402
from netlab import Checks, Lab  # noqa: E402
from matrix import Matrix  # noqa: E402
from probes import probe, start_server  # noqa: E402

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
        servers = {SRV1: "srv1", SRV2: "srv2", INTERNET_HOST: "inet", PUBLIC: "gateway", GATEWAY_LAN: "gateway"}
        m = Matrix(t, gwctl, example, hr.gw, servers, ["--uplink", f"isp={PUBLIC}"])
        run = lambda ns, dst, proto, port, user: probe(ns, dst, proto, port)  # noqa: E731
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
        for dst in (INTERNET_HOST, PC):
            m.case("gateway -> out", hr.gw, "gateway", dst, "tcp", 8000, probe_fn=run)
        m.case("ping", hr.pc, PC, INTERNET_HOST, "icmp", probe_fn=run)
        m.case("ping", hr.inet, INTERNET_HOST, PUBLIC, "icmp", probe_fn=run)
        m.case("ping", hr.pc, PC, GATEWAY_LAN, "icmp", probe_fn=run)
        # IPv6: the file configures none, so nothing may cross.
        lab.ip(hr.pc, "addr add fd00:3::10/64 dev eth0 nodad")
        m.case("IPv6 without IPv6 config", hr.pc, "fd00:3::10", "2001:db8:ffff::1", "tcp", 443,
               probe_fn=run)
        return m
    finally:
        hr.close()


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
        ports = ["tcp:12345", "tcp:80", "tcp:443", "tcp:8080", "tcp:22"]
        start_server(lab, router, "router", ports)
        start_server(lab, gw, "gateway", ports)
        servers = {EGRESS_PEER4: "router", EGRESS_PEER6: "router", EGRESS_GW4: "gateway", EGRESS_GW6: "gateway",
                   "127.0.0.1": "gateway", "::1": "gateway"}
        m = Matrix(t, gwctl, example, gw, servers, wrap=accounts.wrap)
        users = ["dbuser", "proxy", "nobody", "root"]

        def run(ns, dst, proto, port, user):
            return probe(ns, dst, proto, port, wrap=accounts.wrap, user=user)
        for user in users:
            ids = accounts.lookup(user)
            for dst in (EGRESS_PEER4, EGRESS_PEER6, "127.0.0.1"):
                for port in (12345, 80, 443, 8080):
                    m.case(f"owner {user}", gw, "gateway", dst, "tcp", port, uid=ids[0], user=ids, probe_fn=run)
        for src, dst in ((EGRESS_PEER4, EGRESS_GW4), (EGRESS_PEER6, EGRESS_GW6)):
            for port in (22, 8080, 12345):
                m.case("incoming", router, src, dst, "tcp", port, probe_fn=run)
            m.case("incoming ping", router, src, dst, "icmp" if "." in dst else "icmpv6", probe_fn=run)
        return m
    finally:
        lab.close()


def main():
    gwctl, examples = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("skipping: needs root for network namespaces")
        sys.exit(77)
    t = Checks("explain matrix")
    totals = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name, fn in (("home-router", lambda: home_router(t, gwctl, examples)),
                         ("egress", lambda: egress(t, gwctl, examples, workdir))):
            m = fn()
            totals[name] = (m.cases, len(m.disagreements))
    for name, (cases, bad) in totals.items():
        print(f"{name}: {cases} cases, {bad} disagreements")
    t.finish()


if __name__ == "__main__":
    main()
