#!/usr/bin/env python3
"""Routed IPv6 over a real PPPoE session (runs inside the vm guest: the host
kernel has no PPP). The host tier (tests/netns/test_routed_ipv6.py) does the
same over a plain Ethernet uplink; this one has gatewayd's real pppd with
`ipv6: true` (IPv6CP) against pppoe-server, and the ISP's DHCPv6 server
(Kea's kea-dhcp6: ISC dhcpd refuses ppp links) on the server's end of each
session.

  isp (pppoe-server +ipv6; per session on its ppp link: 2001:db8:ffff::1,
       radvd (default route, the link's /64), kea-dhcp6 delegating a /56,
       the route to what it delegated)
    --eth0 | wan0--  gw (gatewayd: pppd, dhcpcd, radvd)
    --lan0 | eth0--  host (interface token ::1234)

Checked:
- the session comes up with IPv6CP: both ends of the ppp link have a
  link-local address (from the interface identifiers IPv6CP agreed);
- the ISP's RA on the ppp link (accept_ra=2) gives the gateway its IPv6
  default route through it;
- dhcpcd, run by gatewayd on the ppp link once the session is up, gets
  the delegated /56, which `gwctl status` shows with lifetimes and DNS;
- the LAN host autoconfigures ::1234 in the LAN's /64 from the gateway's RA
  and reaches the ISP side over IPv6 (TCP, its own address seen there);
- the pinhole `lan-ssh` (interface ID ::1234, tcp 8022) lets the ISP host
  in while 8023 is dropped, both counted in `gwctl status`;
- `gwctl diff` is empty;
- the ISP ends the session and delegates another /56 on the next one
  (pppoe-server and kea-dhcp6 restarted with other pools): all of the
  above again on the new session's link, with the new prefix; the LAN host
  autoconfigures in it, its old address is deprecated (the old prefix
  announced with lifetime 0), the pinhole works on the new address, and
  `gwctl diff` is empty again.

The checks of the LAN side are the host tier's (tests/netns/routed6_lab.py).

Usage (guest): test_routed_ipv6_pppoe.py GATEWAYD GWCTL
"""
import os
import re
import secrets
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
from daemon_lab import Checks, Gateway, daemon_lab  # noqa: E402
from pppoe_server import AccessConcentrator  # noqa: E402
from routed6_lab import (DNS6, PREFERRED, VALID, KeaServer, delegated, host_addresses,  # noqa: E402
                         in_sync, pinhole_checks, routed6)
from standin import password_file  # noqa: E402
from test_mape import Radvd  # noqa: E402
from test_pppoe_gatewayd import require_guest, status_json, wait_up  # noqa: E402

USER = "gwuser"
PEER4 = "198.51.100.1"
FIRST_POOL4, SECOND_POOL4 = "203.0.113.10", "203.0.113.50"
# The ISP's own address on its end of each session, in the link's /64 it
# announces.
ISP6, ISP_LINK = "2001:db8:ffff::1", "2001:db8:ffff::/64"
FIRST, SECOND = "2001:db8:1200::/56", "2001:db8:3400::/56"
FIRST_LAN, SECOND_LAN = "2001:db8:1200:1::", "2001:db8:3400:1::"

CONFIG = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [192.168.50.1/24]
    ipv6:
      delegate: {{from: isp, subnet-id: 1}}
      router-advertisements: {{max-interval: 4}}
      allow-inbound:
        - name: lan-ssh
          interface-id: "::1234"
          port: 8022
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: {user}
    password-file: {password_file}
    default-route: true
    lcp-echo: {{interval: 2, failures: 3}}
    ipv6: true
    dhcpv6-pd: {{size-hint: 56}}
zones:
  lan: {{interfaces: [lan]}}
  wan: {{uplinks: [isp]}}
firewall:
  input:
    rules:
      - {{action: allow, from: lan}}
  forward:
    rules:
      - {{name: lan-out, action: allow, from: lan, to: wan}}
"""


def ppp_links(lab, ns):
    """{name: [addresses]} of the ppp links in namespace `ns`."""
    out = lab.run(ns, ["ip", "-o", "link", "show"], check=False).stdout
    names = [m.group(1) for m in re.finditer(r"^\d+: ([^:@]+)[:@].*link/ppp", out, re.M)]
    found = {}
    for name in names:
        addrs = lab.run(ns, ["ip", "-o", "addr", "show", "dev", name], check=False).stdout
        found[name] = re.findall(r"inet6? (\S+)", addrs)
    return found


def link_local(addresses):
    return [a for a in addresses if a.startswith("fe80:")]


def peer_link_locals(lab, ns, link):
    """[(local, peer)] of the link-local addresses pppd gave `link` with a peer."""
    out = lab.run(ns, ["ip", "-6", "-o", "addr", "show", "dev", link, "scope", "link"], check=False).stdout
    return re.findall(r"inet6 (fe80:\S+) peer (\S+)", out)


class Isp:
    """The ISP: pppoe-server negotiating IPv6CP, and on the server's ppp
    link of each session router advertisements (the default route and the
    link's /64, as a BNG sends them) and kea-dhcp6 delegating one /56."""

    def __init__(self, lab, ns, wd, password):
        self.lab, self.ns = lab, ns
        self.ac = AccessConcentrator(lab, ns, wd, USER, password, PEER4, dns=[PEER4], ipv6=True)
        self.dhcp = KeaServer(lab, ns, wd, ISP_LINK)
        self.ra = Radvd(lab, ns, None)

    def session_link(self, g, timeout=120):
        """The server's ppp link of the session up now, once IPv6CP gave it
        its link-local address."""
        def up():
            return next((n for n, a in ppp_links(self.lab, self.ns).items() if link_local(a)), None)
        g.wait_until(lambda: up() is not None, timeout, step=0.5)
        return up()

    def plain_link_local(self, link):
        """pppd puts its link-local address on the link with the peer's as
        IFA_ADDRESS; Kea takes that for its own, fails to bind it ("Cannot
        assign requested address") and serves nothing. The ISP's end gets
        the same address without a peer (a server-side limit of Kea 2.2;
        the gateway's end stays as pppd made it)."""
        for local, peer in peer_link_locals(self.lab, self.ns, link):
            self.lab.run(self.ns, ["ip", "-6", "addr", "del", local, "peer", peer, "dev", link])
            self.lab.run(self.ns, ["ip", "-6", "addr", "add", local.split("/")[0] + "/64", "dev", link, "nodad"])

    def delegate(self, link, pool):
        """RAs and kea-dhcp6 on the session's link, with the ISP's address there."""
        self.dhcp.stop()
        self.plain_link_local(link)
        self.lab.run(self.ns, ["ip", "addr", "add", f"{ISP6}/64", "dev", link, "nodad"])
        self.ra.dev = link
        self.ra.advertise(ISP_LINK.split("/")[0])
        self.dhcp.start(pool, link)


def default6(lab, ns):
    return lab.run(ns, ["ip", "-6", "route", "show", "default"], check=False).stdout


def session_checks(c, lab, top, isp, g, pool, lan, when, not_address=None):
    """The session up with IPv6CP (an IPv4 address other than
    `not_address`), the ISP delegating `pool` over it, the gateway holding
    it, the LAN host autoconfigured in it. Stops at the first failure."""
    report = wait_up(g, not_address=not_address, timeout=150)
    device = ((report.get("uplinks") or [{}])[0]).get("device", "")
    link = isp.session_link(g)
    if not c.check(f"{when}: the session is up and IPv6CP gave the ISP's end a link-local address",
                   link is not None, f"{ppp_links(lab, top.isp)}\n{isp.ac.tail()}"):
        return
    isp.delegate(link, pool)
    got = g.wait_until(lambda: link_local(g.addresses(device)), 30, step=0.5)
    if not c.check(f"{when}: the gateway's {device} has a link-local address from IPv6CP", got,
                   f"{g.addresses(device)}"):
        return
    got = g.wait_until(lambda: f"dev {device}" in default6(lab, top.gw), 60, step=1)
    if not c.check(f"{when}: the ISP's RA on {device} (accept_ra=2) gives the IPv6 default route through it",
                   got, f"{default6(lab, top.gw)} {isp.ra.log()}"):
        return
    g.wait_until(lambda: delegated(g) == pool or isp.dhcp.proc.poll() is not None, 150, step=1)
    if not c.check(f"{when}: dhcpcd on {device} gets the delegated {pool}", delegated(g) == pool,
                   lab.run(top.gw, ["nft", "list", "chain", "inet", "gatewayd", "input"], check=False).stdout):
        return
    host = lan + "1234"
    got = g.wait_until(lambda: host_addresses(lab, top.host).get(host) == "preferred", 90, step=1)
    c.check(f"{when}: the LAN host autoconfigures {host} from the gateway's RA", got,
            f"{host_addresses(lab, top.host)} lan0: {g.addresses('lan0')}")


def first_session(c, lab, top, isp, g):
    session_checks(c, lab, top, isp, g, FIRST, FIRST_LAN, "first session")
    if c.failed:
        return
    up = (routed6(g).get("uplinks") or [{}])[0]
    c.check("status shows the delegation's lifetimes and DNS",
            up.get("preferred") == PREFERRED and up.get("valid") == VALID and up.get("dns") == [DNS6], f"{up}")
    host = FIRST_LAN + "1234"
    seen = lab.connect(top.host, ISP6, 80, timeout=5)
    c.check("the LAN host reaches the ISP side over IPv6, its own address seen there", seen == (host, top.isp),
            f"{seen} gw routes: {lab.run(top.gw, ['ip', '-6', 'route'], check=False).stdout}")
    in_sync(c, g, "with the first prefix", timeout=60)
    pinhole_checks(c, lab, g, top.isp, ISP6, top.host, host)


def reconnect(c, lab, top, isp, g):
    first4 = (status_json(g).get("uplinks") or [{}])[0].get("session", {}).get("address")
    left = isp.ac.restart(SECOND_POOL4)
    c.check("the ISP side ended the session and restarted with another pool", not left, f"{left}")
    session_checks(c, lab, top, isp, g, SECOND, SECOND_LAN, "after the reconnect", first4)
    if c.failed:
        return
    new, old = SECOND_LAN + "1234", FIRST_LAN + "1234"
    gone = g.wait_until(lambda: host_addresses(lab, top.host).get(old) in ("deprecated", None), 60, step=1)
    c.check(f"the LAN host's old address {old} is deprecated (old prefix announced with lifetime 0)", gone,
            f"{host_addresses(lab, top.host)}")
    retired = (routed6(g).get("lans") or [{}])[0].get("retired")
    c.check("status lists the old LAN prefix as deprecating", retired == [FIRST_LAN + "/64"], f"{retired}")
    in_sync(c, g, "after the new prefix", timeout=60)
    pinhole_checks(c, lab, g, top.isp, ISP6, top.host, new)


class Topology:
    def __init__(self, lab):
        self.isp, self.gw, self.host = lab.netns("isp"), lab.netns("gw"), lab.netns("host")
        lab.veth(self.gw, "wan0", self.isp, "eth0")
        lab.veth(self.gw, "lan0", self.host, "eth0")
        lab.ip(self.host, "token set ::1234 dev eth0")
        lab.tcp_server(self.isp, 80, ipv6=True)
        for port in (8022, 8023):
            lab.tcp_server(self.host, port, ipv6=True)


def run(c, lab, wd, bus, gatewayd, gwctl):
    """Each step needs the one before: the first failure ends the test."""
    top = Topology(lab)
    password = "vm-" + secrets.token_hex(12)
    path = password_file(os.path.join(wd, "isp.password"), password)
    isp = Isp(lab, top.isp, wd, password)
    isp.ac.serve(FIRST_POOL4, sessions=2)
    g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
    g.write_config(CONFIG.format(user=USER, password_file=path))
    c.check("gatewayd starts and says READY=1", g.start(timeout=90, extra_args=["--pppd", "/usr/sbin/pppd"]),
            g.log()[-3000:])
    if c.failed:
        return
    try:
        first_session(c, lab, top, isp, g)
        if not c.failed:
            reconnect(c, lab, top, isp, g)
        c.check("the daemon is still running", g.proc.poll() is None)
    finally:
        isp.dhcp.stop()
        if c.failed:
            print(f"--- gatewayd status\n{g.gwctl_run('status').stdout}")
            print(f"--- isp side pppd log\n{isp.ac.tail(4000)}\n--- kea-dhcp6\n{isp.dhcp.output()}")
            print(f"--- gatewayd log\n{g.log()[-8000:]}")
        g.stop()


def main():
    require_guest()
    gatewayd, gwctl = sys.argv[1], sys.argv[2]
    c = Checks("routed IPv6 over a real PPPoE session (vm)")
    for tool in ("kea-dhcp6", "dhcpcd", "radvd", "pppoe-server"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            c.check(f"{tool} is installed (tests/vm/deps.sh)", False)
            c.finish()
    with daemon_lab("r6p") as (lab, wd, bus):
        run(c, lab, wd, bus, gatewayd, gwctl)
    c.finish()


if __name__ == "__main__":
    main()
