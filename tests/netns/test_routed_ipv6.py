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
  rule, and `gwctl diff` is empty again.

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

ISP6 = "2001:db8:ffff::1"
GW_WAN6 = "2001:db8:ffff::2"
FIRST, SECOND = "2001:db8:1200::/56", "2001:db8:3400::/56"
FIRST_LAN, SECOND_LAN = "2001:db8:1200:1::", "2001:db8:3400:1::"
DNS6 = "2001:db8:ffff::53"

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


def dhcpd_conf(pool):
    first = pool.split("/")[0]
    return textwrap.dedent(f"""\
        default-lease-time 600;
        max-lease-time 7200;
        preferred-lifetime 300;
        option dhcp6.name-servers {DNS6};
        subnet6 2001:db8:ffff::/64 {{
          prefix6 {first} {first} /56;
        }}
        """)


class Isp:
    """ISC dhcpd -6 in the ISP namespace, delegating one /56 from `pool`."""

    def __init__(self, lab, ns, wd, ifname):
        self.lab, self.ns, self.wd, self.ifname, self.proc = lab, ns, wd, ifname, None

    def start(self, pool):
        conf, leases = os.path.join(self.wd, "dhcpd6.conf"), os.path.join(self.wd, "dhcpd6.leases")
        with open(conf, "w") as f:
            f.write(dhcpd_conf(pool))
        open(leases, "w").close()  # a fresh server: it remembers no earlier binding
        self.proc = self.lab.spawn(self.ns, ["dhcpd", "-6", "-f", "-cf", conf, "-lf", leases,
                                             "-pf", os.path.join(self.wd, "dhcpd6.pid"), self.ifname])
        # The route an ISP's relay would add for what it delegated.
        self.lab.run(self.ns, ["ip", "-6", "route", "replace", pool, "via", GW_WAN6])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def status(g):
    res = g.gwctl_run("status", "--json")
    try:
        return json.loads(res.stdout)
    except json.JSONDecodeError:
        return {}


def routed6(g):
    return status(g).get("routed6") or {}


def delegated(g):
    ups = routed6(g).get("uplinks") or [{}]
    return ups[0].get("prefix", "")


def host_addresses(lab, ns):
    """{address: "tentative", "deprecated" or "preferred"} of the LAN host's global IPv6 addresses."""
    out = lab.run(ns, ["ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global"], check=False).stdout
    found = {}
    for line in out.splitlines():
        words = line.split()
        addr = words[words.index("inet6") + 1].split("/")[0]
        # A tentative address (DAD not done) is not used as a source yet.
        found[addr] = next((w for w in ("tentative", "deprecated") if w in words), "preferred")
    return found


def counter(st, section, chain, name=None):
    return sum(c.get("packets", 0) for c in st.get(section, [])
               if c.get("chain") == chain and (name is None or c.get("name") == name))


def in_sync(t, g, what):
    g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, 30)
    res = g.gwctl_run("diff")
    t.check(f"gwctl diff is empty {what}", res.returncode == 0, res.stdout[-1500:] + res.stderr[-500:])


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


def pinhole_checks(t, lab, top, g, lan):
    host = lan + "1234"
    before = status(g)
    t.check(f"an ISP host reaches [{host}]:8022 through the pinhole",
            lab.connect(top.isp, host, 8022, timeout=3) == (ISP6, top.host))
    t.check(f"[{host}]:8023 is not reachable from the ISP side", lab.connect(top.isp, host, 8023, timeout=2) is None)
    after = status(g)
    t.check("the pinhole's counter counts", counter(after, "rules", "forward", "lan-ssh") >
            counter(before, "rules", "forward", "lan-ssh"), json.dumps(after.get("rules"))[:800])
    t.check("the forward policy counts the dropped connection",
            counter(after, "drops", "forward") > counter(before, "drops", "forward"),
            json.dumps(after.get("drops"))[:800])


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
    t.check("status shows lifetimes and DNS", up.get("preferred") == 300 and up.get("valid") == 600
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
    pinhole_checks(t, lab, top, g, FIRST_LAN)


def new_prefix_checks(t, lab, top, g, isp):
    isp.stop()
    isp.start(SECOND)
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
    pinhole_checks(t, lab, top, g, SECOND_LAN)


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
        isp = Isp(lab, top.isp, wd, "up0")
        isp.start(FIRST)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        g.write_config(CONFIG.replace("WAN", WAN))
        t.check("gatewayd is ready", g.start(), g.log()[-2000:])
        first_prefix_checks(t, lab, top, g)
        new_prefix_checks(t, lab, top, g, isp)
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
