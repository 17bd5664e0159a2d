#!/usr/bin/env python3
"""Routed IPv6 with a delegated prefix, on the real kernel (root): the real
gatewayd in a gateway namespace on a private bus, a plain Ethernet
(next-hop) uplink to an ISP namespace where ISC dhcpd (`dhcpd -6`)
delegates /56s, and a LAN host namespace whose interface token is ::1234.
gatewayd runs dhcpcd (DHCPv6-PD only) and radvd as its children.

Checked:
- the uplink gets the /56, the LAN link its /64 number 1 (<prefix>:1::1),
  and the LAN host autoconfigures ::1234 in it from the gateway's RA;
- the LAN host reaches the ISP side over IPv6, unNATed;
- the pinhole `lan-ssh` (interface-id ::1234, tcp 8022) lets an ISP host in
  on 8022, while 8023 on the same host is dropped, and both are counted
  (the pinhole's counter, the forward policy's drops) in `gwctl status`;
- `gwctl status --json` shows the delegated prefix, its lifetimes and DNS,
  the LAN prefix and that it is announced; `gwctl diff` is empty;
- the server hands out another /56 (dhcpd restarted with another pool, the
  client releases; gatewayd restarts it): the LAN host gets ::1234 in the
  new /64, its old address is deprecated (the old prefix announced with
  lifetime 0), the pinhole works on the new address with no change to the
  rule, and `gwctl diff` is empty again;
- the IPv6 bridge split beside it on two other ports of the same box
  (lan1 and wan1 bridged into br6, `fallback: l3-on-bridge` on a kernel
  without meta broute): a host behind the bridge talks to the ISP side at
  layer 2 with its own /64, is reachable from there on the port the split
  allows and not on another, gets no address of the delegated prefix, and
  routed IPv6 keeps working (LAN host out, pinhole in); `gwctl diff` empty.

The ISP's route back to the delegated prefix is added by the test (ISC
dhcpd delegates but routes nothing; an ISP's relay would).

Usage: test_routed_ipv6.py GATEWAYD GWCTL   (root)
"""
import json
import os
import shutil
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Bus, Gateway, workdir  # noqa: E402
from netlab import Checks, Lab, require_root  # noqa: E402
from routed6_lab import (DNS6, PREFERRED, VALID, Dhcpv6Server, delegated, host_addresses, in_sync, pinhole_checks,  # noqa: E402
                         routed6)

ISP6 = "2001:db8:ffff::1"
GW_WAN6 = "2001:db8:ffff::2"
FIRST, SECOND = "2001:db8:1200::/56", "2001:db8:3400::/56"
FIRST_LAN, SECOND_LAN = "2001:db8:1200:1::", "2001:db8:3400:1::"
# The bridged side: the ISP's /64 on a second port, a host behind the split.
SPLIT_ISP6, SPLIT_HOST6 = "2001:db8:5::1", "2001:db8:5::10"
SPLIT_ALLOWED, SPLIT_BLOCKED = 8080, 9000

# dhcpcd keeps its pid, socket and lease files by interface name in /run
# and /var/lib, which every namespace shares: the uplink's name is unique.
WAN = f"w{os.getpid()}"[:15]

CONFIG = textwrap.dedent("""\
    version: 1
    interfaces:
      lan:
        device: lan0
        addresses: [192.168.50.1/24]
        ipv6:
          delegate: {from: isp, subnet-id: 1}
          router-advertisements: {max-interval: 4}
          allow-inbound:
            - name: lan-ssh
              interface-id: "::1234"
              port: 8022
      wan:
        device: WAN
        addresses: [192.0.2.2/24, 2001:db8:ffff::2/64]
    uplinks:
      isp:
        kind: next-hop
        device: WAN
        gateway: 192.0.2.1
        gateway6: 2001:db8:ffff::1
        default-route: true
        dhcpv6-pd: {size-hint: 56}
    zones:
      lan: {interfaces: [lan]}
      wan: {uplinks: [isp]}
    firewall:
      input:
        rules:
          - {action: allow, from: lan}
      forward:
        rules:
          - {name: lan-out, action: allow, from: lan, to: wan}
    """)


# The same box with the bridge split on lan1/wan1 beside the routed LAN.
SPLIT_INTERFACE = """\
      bridged:
        device: br6
        addresses: [192.168.60.1/24]
"""
SPLIT_SECTION = f"""\
ipv6:
  bridge-split:
    bridge: br6
    inside: lan1
    outside: wan1
    allow-inbound:
      - {{name: bridged-web, action: allow, proto: tcp, port: {SPLIT_ALLOWED}}}
    fallback: l3-on-bridge
"""


def config_with_split():
    text = CONFIG.replace("    uplinks:\n", SPLIT_INTERFACE + "    uplinks:\n", 1)
    text = text.replace("      lan: {interfaces: [lan]}\n", "      lan: {interfaces: [lan]}\n      bridged: {interfaces: [bridged]}\n", 1)
    return text + SPLIT_SECTION


class Topology:
    def __init__(self, lab):
        self.isp, self.gw, self.host = lab.netns("isp"), lab.netns("gw"), lab.netns("host")
        lab.veth(self.isp, "up0", self.gw, WAN)
        lab.veth(self.gw, "lan0", self.host, "eth0")
        lab.ip(self.isp, "addr add 192.0.2.1/24 dev up0")
        lab.ip(self.isp, f"addr add {ISP6}/64 dev up0 nodad")
        lab.ip(self.host, "token set ::1234 dev eth0")
        for port in (80, 8022, 8023):
            lab.tcp_server(self.isp if port == 80 else self.host, port, ipv6=True)
        # Two more ports for the bridge split, a host behind it.
        self.bridged = lab.netns("bh")
        lab.veth(self.isp, "up1", self.gw, "wan1")
        lab.veth(self.gw, "lan1", self.bridged, "eth0")
        lab.ip(self.isp, f"addr add {SPLIT_ISP6}/64 dev up1 nodad")
        lab.ip(self.bridged, f"addr add {SPLIT_HOST6}/64 dev eth0 nodad")
        for port in (SPLIT_ALLOWED, SPLIT_BLOCKED):
            lab.tcp_server(self.bridged, port, ipv6=True)


def unused_checks(t, lab, top):
    """A /64 of the delegation that no LAN took ends at the gateway (RFC 7084
    WPD-5): the ISP routes the whole /56 to it, so without a discard route the
    packet would go back out of the default route and loop until its hop limit."""
    unused = FIRST.split("/")[0].rstrip(":") + ":ff::9"
    res = lab.run(top.isp, ["ping", "-6", "-n", "-c", "1", "-W", "5", unused], check=False, timeout=30)
    t.check(f"{unused} (a /64 no LAN took) is answered unreachable by the gateway",
            f"From {GW_WAN6}" in res.stdout and "Destination unreachable" in res.stdout, res.stdout + res.stderr)


def first_prefix_checks(t, lab, top, g):
    t.check(f"the uplink holds {FIRST}", g.wait_until(lambda: delegated(g) == FIRST, 60), g.log()[-2500:])
    t.check(f"lan0 holds {FIRST_LAN}1/64", g.wait_until(lambda: f"{FIRST_LAN}1/64" in g.addresses("lan0"), 30),
            str(g.addresses("lan0")))
    host = FIRST_LAN + "1234"
    got = g.wait_until(lambda: host_addresses(lab, top.host).get(host) == "preferred", 60)
    t.check(f"the LAN host autoconfigures {host} from the RA", got, str(host_addresses(lab, top.host)) + g.log()[-1500:])
    r6 = routed6(g)
    up = (r6.get("uplinks") or [{}])[0]
    lanst = (r6.get("lans") or [{}])[0]
    t.check("status shows lifetimes and DNS", up.get("preferred") == PREFERRED and up.get("valid") == VALID
            and up.get("dns") == [DNS6], json.dumps(r6))
    t.check("status shows the LAN prefix, announced", lanst.get("prefix") == FIRST_LAN + "/64"
            and lanst.get("ra") is True and r6.get("radvd") == "running", json.dumps(r6))
    text = g.gwctl_run("status").stdout
    t.check("text status has the routed IPv6 section", f"delegated {FIRST}" in text and FIRST_LAN + "/64" in text,
            text[-1500:])
    seen = lab.connect(top.host, ISP6, 80, timeout=3)
    t.check("the LAN host reaches the ISP side unNATed", seen == (host, top.isp),
            f"{seen} {lab.run(top.host, ['ip', '-6', 'route'], check=False).stdout}")
    unused_checks(t, lab, top)
    in_sync(t, g, "with the first prefix")
    pinhole_checks(t, lab, g, top.isp, ISP6, top.host, FIRST_LAN + "1234")


def new_prefix_checks(t, lab, top, g, isp):
    isp.stop()
    isp.start(SECOND, "up0", via=GW_WAN6)
    # The client gives the old prefix back and exits; gatewayd starts it again.
    lab.run(top.gw, ["dhcpcd", "-6", "-k", WAN], check=False, timeout=30)
    t.check(f"the uplink holds {SECOND}", g.wait_until(lambda: delegated(g) == SECOND, 90), g.log()[-2500:])
    new, old = SECOND_LAN + "1234", FIRST_LAN + "1234"
    got = g.wait_until(lambda: host_addresses(lab, top.host).get(new) == "preferred", 60)
    t.check(f"the LAN host autoconfigures {new}", got, str(host_addresses(lab, top.host)))
    gone = g.wait_until(lambda: host_addresses(lab, top.host).get(old) in ("deprecated", None), 60)
    t.check(f"its old address {old} is deprecated", gone, str(host_addresses(lab, top.host)))
    t.check(f"lan0 holds {SECOND_LAN}1/64 and no longer {FIRST_LAN}1/64",
            f"{SECOND_LAN}1/64" in g.addresses("lan0") and f"{FIRST_LAN}1/64" not in g.addresses("lan0"),
            str(g.addresses("lan0")))
    retired = (routed6(g).get("lans") or [{}])[0].get("retired")
    t.check("status lists the old LAN prefix as deprecating", retired == [FIRST_LAN + "/64"], str(retired))
    in_sync(t, g, "after the new prefix")
    pinhole_checks(t, lab, g, top.isp, ISP6, top.host, SECOND_LAN + "1234")


def split_beside_checks(t, lab, top, g):
    # The daemon's own config file grows the split, so `gwctl diff` reads it too.
    g.write_config(config_with_split().replace("WAN", WAN))
    a = g.gwctl_run("apply", g.config)
    t.check("the bridge split on lan1/wan1 is applied beside routed IPv6", a.returncode == 0,
            a.stdout + a.stderr + g.log()[-1000:])
    seen = lab.connect(top.bridged, SPLIT_ISP6, 80, timeout=3)
    t.check("the host behind the split reaches the ISP side at layer 2, unNATed",
            seen == (SPLIT_HOST6, top.isp), f"{seen} {lab.run(top.bridged, ['ip', '-6', 'neigh'], check=False).stdout}")
    t.check(f"the ISP side reaches it on tcp {SPLIT_ALLOWED} (the split's allow-inbound)",
            lab.connect(top.isp, SPLIT_HOST6, SPLIT_ALLOWED, timeout=3) == (SPLIT_ISP6, top.bridged))
    t.check(f"... and not on tcp {SPLIT_BLOCKED}",
            lab.connect(top.isp, SPLIT_HOST6, SPLIT_BLOCKED, timeout=2) is None)
    leaked = [a for a in host_addresses(lab, top.bridged) if a.startswith(SECOND_LAN[:14])]
    t.check("the routed LAN's announcements stay off the bridge (no delegated address behind the split)",
            not leaked, str(host_addresses(lab, top.bridged)))
    host = SECOND_LAN + "1234"
    t.check("the routed LAN host still reaches the ISP side unNATed",
            lab.connect(top.host, ISP6, 80, timeout=3) == (host, top.isp))
    pinhole_checks(t, lab, g, top.isp, ISP6, top.host, host)
    in_sync(t, g, "with the split beside routed IPv6")


def forget_lease():
    try:
        os.unlink(f"/var/lib/dhcpcd/{WAN}.lease6")
    except OSError:
        pass


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("routed IPv6: DHCPv6-PD, RA, pinholes by interface ID")
    for tool in ("dhcpd", "dhcpcd", "radvd"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            t.check(f"{tool} is installed (scripts/deps.sh)", False)
            t.finish()
    forget_lease()
    lab = Lab("r6")
    wd = workdir()
    bus = Bus(wd)
    try:
        top = Topology(lab)
        isp = Dhcpv6Server(lab, top.isp, wd, "2001:db8:ffff::/64")
        isp.start(FIRST, "up0", via=GW_WAN6)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        g.write_config(CONFIG.replace("WAN", WAN))
        t.check("gatewayd is ready", g.start(), g.log()[-2000:])
        first_prefix_checks(t, lab, top, g)
        new_prefix_checks(t, lab, top, g, isp)
        split_beside_checks(t, lab, top, g)
        t.check("the daemon is still running", g.proc.poll() is None, g.log()[-1500:])
        g.stop()

        def left():
            return lab.run(None, ["ip", "netns", "pids", top.gw], check=False).stdout.split()
        g.wait_until(lambda: not left(), 30)
        t.check("no dhcpcd or radvd is left in the gateway namespace after the daemon", not left(),
                lab.run(None, ["ps", "-o", "pid,ppid,args", "-p", ",".join(left() or ["1"])], check=False).stdout)
    finally:
        lab.close()
        bus.close()
        forget_lease()
    t.finish()


if __name__ == "__main__":
    main()
