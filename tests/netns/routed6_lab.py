"""Pieces of the routed IPv6 tests shared by the host tier
(test_routed_ipv6.py, a plain Ethernet uplink) and the vm tier
(tests/vm/test_routed_ipv6_pppoe.py, a real PPPoE session): the ISP's
DHCPv6 server delegating one /56 (ISC dhcpd -6 on Ethernet; Kea on a ppp
link, which ISC dhcpd refuses: "Unsupported device type 512"), what
`gwctl status` says about routed IPv6, the LAN host's addresses, and the
pinhole checks.
"""
import json
import os
import textwrap

PREFERRED, VALID = 300, 600  # the delegation's lifetimes, seconds

DNS6 = "2001:db8:ffff::53"


def dhcpd_conf(pool, link_subnet):
    """dhcpd -6 listens only on a link with an address in a subnet6 it
    serves: `link_subnet` is that of the server's own address there."""
    first = pool.split("/")[0]
    return textwrap.dedent(f"""\
        default-lease-time {VALID};
        max-lease-time 7200;
        preferred-lifetime {PREFERRED};
        option dhcp6.name-servers {DNS6};
        subnet6 {link_subnet} {{
          prefix6 {first} {first} /56;
        }}
        """)


class Dhcpv6Server:
    """ISC dhcpd -6 in namespace `ns`, delegating one /56 from a pool on
    `ifname`, and the route back to it that an ISP's relay would add
    (dhcpd delegates but routes nothing): `via` the gateway's address, or
    on-link when None (a point-to-point link)."""

    def __init__(self, lab, ns, wd, link_subnet):
        self.lab, self.ns, self.wd, self.link_subnet, self.proc = lab, ns, wd, link_subnet, None

    def start(self, pool, ifname, via=None):
        self.proc = self.spawn(pool, ifname)
        route = ["ip", "-6", "route", "replace", pool] + (["via", via] if via else ["dev", ifname])
        self.lab.run(self.ns, route)

    def spawn(self, pool, ifname):
        conf, leases = os.path.join(self.wd, "dhcpd6.conf"), os.path.join(self.wd, "dhcpd6.leases")
        with open(conf, "w") as f:
            f.write(dhcpd_conf(pool, self.link_subnet))
        open(leases, "w").close()  # a fresh server: it remembers no earlier binding
        return self.lab.spawn(self.ns, ["dhcpd", "-6", "-f", "-cf", conf, "-lf", leases,
                                        "-pf", os.path.join(self.wd, "dhcpd6.pid"), ifname])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def output(self):
        """What dhcpd said (stderr), once it has stopped."""
        if not self.proc or self.proc.poll() is None:
            return ""
        return self.proc.stderr.read()[-3000:]


def kea_conf(pool, ifname, link_subnet):
    """Kea's DHCPv6 server on `ifname`: the clients there (the link's subnet
    by interface, no address of theirs needed) get one /56 from `pool`."""
    first, length = pool.split("/")
    return {"Dhcp6": {
        "interfaces-config": {"interfaces": [ifname]},
        "lease-database": {"type": "memfile", "persist": False},
        # Its DUID made up, not kept in /var/lib/kea (no MAC on a ppp link).
        "server-id": {"type": "EN", "enterprise-id": 2495, "identifier": "6761746577617964", "persist": False},
        "preferred-lifetime": PREFERRED, "valid-lifetime": VALID,
        "renew-timer": PREFERRED // 2, "rebind-timer": PREFERRED * 4 // 5,
        "option-data": [{"name": "dns-servers", "data": DNS6}],
        "subnet6": [{"id": 1, "subnet": link_subnet, "interface": ifname,
                     "pd-pools": [{"prefix": first, "prefix-len": int(length), "delegated-len": int(length)}]}],
        "loggers": [{"name": "kea-dhcp6", "output_options": [{"output": "stderr"}], "severity": "INFO"}],
    }}


class KeaServer(Dhcpv6Server):
    """Kea's kea-dhcp6 instead of ISC dhcpd, with the same start/stop:
    it serves a ppp link. A fresh server each start (leases in memory)."""

    def spawn(self, pool, ifname):
        conf = os.path.join(self.wd, "kea-dhcp6.conf")
        with open(conf, "w") as f:
            json.dump(kea_conf(pool, ifname, self.link_subnet), f)
        env = dict(os.environ, KEA_LOCKFILE_DIR=self.wd, KEA_PIDFILE_DIR=self.wd)
        return self.lab.spawn(self.ns, ["kea-dhcp6", "-c", conf], env=env)


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


def host_addresses(lab, ns, dev="eth0"):
    """{address: "tentative", "deprecated" or "preferred"} of a host's global IPv6 addresses."""
    out = lab.run(ns, ["ip", "-6", "-o", "addr", "show", "dev", dev, "scope", "global"], check=False).stdout
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


def in_sync(t, g, what, timeout=30):
    g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, timeout, step=0.5)
    res = g.gwctl_run("diff")
    t.check(f"gwctl diff is empty {what}", res.returncode == 0, res.stdout[-1500:] + res.stderr[-500:])


def pinhole_checks(t, lab, g, isp_ns, isp_addr, host_ns, host):
    """The pinhole `lan-ssh` (tcp 8022 to the interface ID ::1234) lets an
    ISP host at `isp_addr` in to `host`; 8023 there is dropped; both are
    counted in `gwctl status`."""
    before = status(g)
    t.check(f"an ISP host reaches [{host}]:8022 through the pinhole",
            lab.connect(isp_ns, host, 8022, timeout=3) == (isp_addr, host_ns))
    t.check(f"[{host}]:8023 is not reachable from the ISP side", lab.connect(isp_ns, host, 8023, timeout=2) is None)
    after = status(g)
    t.check("the pinhole's counter counts", counter(after, "rules", "forward", "lan-ssh") >
            counter(before, "rules", "forward", "lan-ssh"), json.dumps(after.get("rules"))[:800])
    t.check("the forward policy counts the dropped connection",
            counter(after, "drops", "forward") > counter(before, "drops", "forward"),
            json.dumps(after.get("drops"))[:800])
