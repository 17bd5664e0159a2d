#!/usr/bin/env python3
"""The IPv6 bridge-router split on the host kernel (root, real gatewayd in
a namespace, private dbus): a LAN host and an ISP-side host across the
bridge gatewayd creates. On a kernel with br_netfilter but no `meta broute`
(nft_meta_bridge), as gatewayd probes it (skipped otherwise, saying which),
the config takes `fallback: l3-on-bridge`; the broute and bridge-conntrack
paths are covered by the vm tier (tests/vm). Checked: the apply without the fallback
is refused at the config line and changes nothing; the bridge and its
ports; outbound IPv6 (ping, TCP) with replies; inbound to a port not
allowed dropped and counted, to an allowed port accepted; ND; an RA from
the ISP side autoconfigures the LAN host (the gateway itself does not
autoconfigure, and an RA from the LAN never reaches the ISP side); IPv4
never bridged between LAN and WAN, nor from the WAN side to the gateway; status names the path; a port that is
unplugged and re-created is enslaved again; the split taken out of the
config deletes the bridge.

Usage: test_bridge_split.py GATEWAYD GWCTL   (root)
"""
import ipaddress
import json
import os
import re
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Checks, Gateway, daemon_lab, require_root  # noqa: E402
from bridge_split_lab import ALLOWED, BLOCKED, ISP6, LAN6, config, topology  # noqa: E402

RA_PREFIX = "2001:db8:77::"      # what the ISP side advertises
ROGUE_PREFIX = "2001:db8:66::"   # what a LAN host must not advertise upstream


def line_of(text, needle):
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- the lab --------------------------------------------------------------

def replug_wan(lab, gw, isp):
    """The WAN cable pulled and a new one plugged: the veth pair is gone
    and a new one appears, not enslaved to anything."""
    lab.ip(gw, "link del wan0")
    lab.veth(gw, "wan0", isp, "eth0")
    lab.ip(isp, f"addr add {ISP6}/64 dev eth0 nodad")
    for ns in (gw, isp):  # the new cable's ends have new MAC addresses
        lab.run(ns, ["ip", "-6", "neigh", "flush", "all"], check=False)


def tcp6_server(lab, ns, port):
    """Answers each connection with the peer's address and its namespace."""
    code = textwrap.dedent(f"""
        import socket
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", {port}))
        s.listen(16)
        print("ready", flush=True)
        while True:
            c, peer = s.accept()
            c.sendall(("%s %s" % (peer[0], "{ns}")).encode())
            c.close()
    """)
    proc = lab.spawn(ns, [sys.executable, "-c", code])
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError(f"server on {ns}:{port} did not start: {proc.stderr.read()}")
    return proc


def send_ra(lab, ns, prefix):
    """One router advertisement to all nodes from `ns`'s eth0 with `prefix`/64
    on-link and autonomous (SLAAC). Raw ICMPv6: the kernel fills in the
    checksum and picks the link-local source."""
    code = textwrap.dedent(f"""
        import socket, struct
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("eth0"))
        ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
        pi = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + socket.inet_pton(socket.AF_INET6, "{prefix}")
        s.sendto(ra + pi, ("ff02::1", 0, 0, socket.if_nametoindex("eth0")))
    """)
    lab.run(ns, [sys.executable, "-c", code])


def dhcpv6_reply_arrives(lab, lan, isp):
    """A DHCPv6 server's answer (UDP 547 -> 546) from the ISP side to the
    LAN host's link-local address: conntrack cannot pair it with the
    client's multicast question, so only an explicit accept lets it in."""
    out = lab.run(lan, ["ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"]).stdout
    link_local = re.search(r"inet6 (\S+)/", out).group(1)
    client = lab.spawn(lan, [sys.executable, "-c", textwrap.dedent("""
        import socket
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::", 546))
        s.settimeout(30)  # a bound, not a wait: the reply ends it (the sender's start alone took > 3 s under TCG)
        print("ready", flush=True)
        try:
            data, peer = s.recvfrom(512)
            print("got", data.decode(), peer[1], flush=True)
        except socket.timeout:
            print("none", flush=True)
    """)])
    client.stdout.readline()
    lab.run(isp, [sys.executable, "-c", textwrap.dedent(f"""
        import socket
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::", 547))
        s.sendto(b"reply", ("{link_local}", 546, 0, socket.if_nametoindex("eth0")))
    """)])
    return client.stdout.readline().split()[:3] == ["got", "reply", "547"]


def addresses_in(lab, ns, dev, prefix):
    """`dev`'s addresses inside `prefix`/64."""
    net = ipaddress.ip_network(prefix + "/64")
    out = lab.run(ns, ["ip", "-6", "-o", "addr", "show", "dev", dev], check=False).stdout
    return [a for a in re.findall(r"inet6 (\S+)/", out) if ipaddress.ip_address(a) in net]


def status_json(g):
    res = g.gwctl_run("status", "--json")
    return json.loads(res.stdout) if res.returncode == 0 else {}


def drop_count(g, chain, name):
    return sum(d["packets"] for d in status_json(g).get("drops", []) if d["chain"] == chain and d["name"] == name)


def link_text(lab, ns, dev):
    return lab.run(ns, ["ip", "-d", "link", "show", dev], check=False).stdout


# ---- checks ---------------------------------------------------------------

def refusal_checks(t, g, lab, wd):
    text = config("refuse")
    path = write(os.path.join(wd, "refuse.yaml"), text)
    a = g.gwctl_run("apply", path)
    where = f":{line_of(text, 'fallback:')}:"
    t.check("without the fallback the apply is refused at the config line, saying why",
            a.returncode != 0 and "no meta broute" in a.stderr and where in a.stderr
            and "fallback: l3-on-bridge" in a.stderr, a.stdout + a.stderr)
    t.check("... and nothing changed: no bridge, ports not enslaved, no bridge table",
            "br6" not in lab.run(g.ns, ["ip", "link", "show"]).stdout
            and "master" not in link_text(lab, g.ns, "lan0")
            and g.nft("list table bridge gatewayd").returncode != 0)


def bridge_checks(t, g, lab, config_path):
    t.check("gatewayd created the bridge", "bridge " in link_text(lab, g.ns, "br6").replace("\n", " "),
            link_text(lab, g.ns, "br6"))
    t.check("... and enslaved both ports", all("master br6" in link_text(lab, g.ns, p) for p in ("lan0", "wan0")))
    nf = lab.run(g.ns, ["sysctl", "-n", "net.bridge.bridge-nf-call-ip6tables"]).stdout.strip()
    ra = lab.run(g.ns, ["sysctl", "-n", "net.ipv6.conf.br6.accept_ra"]).stdout.strip()
    t.check("bridge-nf-call-ip6tables=1 (br_netfilter path), accept_ra=0 on the bridge",
            nf == "1" and ra == "0", f"{nf} {ra}")
    st = g.gwctl_run("status")
    t.check("gwctl status names the path",
            "IPv6 bridge split: l3-on-bridge via br_netfilter (no meta broute)" in st.stdout,
            f"rc={st.returncode} " + st.stdout + st.stderr)
    t.check("... and --json too", status_json(g).get("kernel", {}).get("ipv6_split", "").startswith("l3-on-bridge"))
    d = g.gwctl_run("diff", config_path)
    t.check("gwctl diff: the kernel holds what was compiled (bridge, ports, both tables)",
            d.returncode == 0 and not d.stdout, d.stdout + d.stderr)


def traffic_checks(t, g, lab, lan, isp):
    t.check("outbound IPv6 ping (ND across the bridge, the reply comes back)", lab.ping(lan, ISP6, timeout=3))
    neigh = lab.run(lan, ["ip", "-6", "neigh", "show", ISP6]).stdout
    t.check("... the LAN host resolved the ISP host by ND", "lladdr" in neigh, neigh)
    tcp6_server(lab, isp, 7000)
    seen = lab.connect(lan, ISP6, 7000)
    t.check("outbound IPv6 TCP, end to end (no NAT: the ISP host sees the LAN address)",
            seen == (LAN6, isp), str(seen))
    tcp6_server(lab, lan, BLOCKED)
    tcp6_server(lab, lan, ALLOWED)
    before = drop_count(g, "incoming", "policy")
    t.check("inbound TCP to a port not allowed is dropped", lab.connect(isp, LAN6, BLOCKED, timeout=1.5) is None)
    after = drop_count(g, "incoming", "policy")
    t.check("... and counted (gwctl status: incoming policy)", after > before, f"{before} -> {after}")
    t.check("inbound TCP to the allowed port works", lab.connect(isp, LAN6, ALLOWED) == (ISP6, lan))
    t.check("inbound echo request answered (icmpv6-echo defaults to true)", lab.ping(isp, LAN6, timeout=3))
    t.check("a DHCPv6 answer from the ISP side reaches the LAN host", dhcpv6_reply_arrives(lab, lan, isp))


def ra_checks(t, g, lab, lan, isp):
    lab.sysctl(isp, "net.ipv6.conf.eth0.accept_ra", "1")
    send_ra(lab, lan, ROGUE_PREFIX)
    send_ra(lab, isp, RA_PREFIX)
    got = g.wait_until(lambda: addresses_in(lab, lan, "eth0", RA_PREFIX), timeout=60)
    t.check("an RA from the ISP side autoconfigures the LAN host", bool(got),
            lab.run(lan, ["ip", "-6", "addr"]).stdout)
    t.check("... the gateway's bridge does not autoconfigure from it",
            not addresses_in(lab, g.ns, "br6", RA_PREFIX), lab.run(g.ns, ["ip", "-6", "addr"]).stdout)
    t.check("an RA from the LAN never reaches the ISP side",
            not addresses_in(lab, isp, "eth0", ROGUE_PREFIX), lab.run(isp, ["ip", "-6", "addr"]).stdout)


def ipv4_checks(t, g, lab, lan, isp):
    lab.ip(lan, "addr add 192.168.10.20/24 dev eth0")
    lab.ip(isp, "addr add 192.168.10.30/24 dev eth0")
    t.check("IPv4 on the bridge: the LAN host pings the gateway's 192.168.10.1", lab.ping(lan, "192.168.10.1"))
    before = drop_count(g, "forward", "not-ipv6")
    t.check("IPv4 (and ARP) is never bridged between LAN and WAN", not lab.ping(lan, "192.168.10.30", timeout=1))
    after = drop_count(g, "forward", "not-ipv6")
    t.check("... and counted (gwctl status: forward not-ipv6)", after > before, f"{before} -> {after}")
    before = drop_count(g, "input", "outside-to-host")
    t.check("the ISP side cannot reach the gateway's IPv4 on the bridge (only IPv6 and PPPoE "
            "from the outside port reach the host)", not lab.ping(isp, "192.168.10.1", timeout=1))
    after = drop_count(g, "input", "outside-to-host")
    t.check("... and counted (gwctl status: input outside-to-host)", after > before, f"{before} -> {after}")


def replug_checks(t, g, lab, gw, lan, isp):
    replug_wan(lab, gw, isp)
    ok = g.wait_until(lambda: "master br6" in link_text(lab, gw, "wan0"), timeout=60)
    t.check("a WAN port unplugged and re-created is enslaved again", ok, link_text(lab, gw, "wan0") + g.log()[-800:])
    lab.run(lan, ["ip", "-6", "neigh", "flush", "all"])  # the new cable's far end has a new MAC address
    t.check("... and IPv6 flows across it again", g.wait_until(lambda: lab.ping(lan, ISP6, timeout=1), timeout=60))


def removal_checks(t, g, lab, gw, lan, wd):
    """The split taken out of the config: the bridge gatewayd made goes
    (releasing the ports), rather than going on bridging unfiltered."""
    text = "version: 1\ninterfaces:\n  lan:\n    device: lan0\n    addresses: [192.168.10.1/24]\n"
    a = g.gwctl_run("apply", write(os.path.join(wd, "nosplit.yaml"), text))
    t.check("a config without the split applies", a.returncode == 0, a.stdout + a.stderr)
    t.check("... the bridge is deleted and the ports released",
            "br6" not in lab.run(gw, ["ip", "link", "show"]).stdout
            and not any("master" in link_text(lab, gw, p) for p in ("lan0", "wan0")),
            lab.run(gw, ["ip", "-d", "link", "show"]).stdout)
    t.check("... the bridge table is gone", g.nft("list table bridge gatewayd").returncode != 0)
    t.check("... and IPv6 no longer crosses", not lab.ping(lan, ISP6, timeout=1))


def skip_unless_fallback_kernel(t, kernel):
    """This test is the fallback path: a kernel without `meta broute`, with
    br_netfilter. What the daemon probed decides; elsewhere exit 77 saying
    why (the vm tier runs the broute paths on a stock kernel). A status
    that does not say what was probed fails the test: it must not read as
    a kernel without br_netfilter."""
    print(f"kernel as gatewayd probed it: {kernel}")
    if not isinstance(kernel, dict) or not {"broute", "br_netfilter"} <= kernel.keys():
        t.check("gwctl status --json says what gatewayd probed of the kernel", False, str(kernel))
        t.finish()
    why = ("this kernel has meta broute, so the split takes the broute path (the vm tier tests it)"
           if kernel["broute"] else
           "br_netfilter is not available here, which the fallback path needs" if not kernel["br_netfilter"]
           else None)
    if why:
        print(f"skipping: {why}")
        sys.exit(77)


def main():
    require_root()
    gatewayd, gwctl = sys.argv[1], sys.argv[2]
    t = Checks("bridge-split")
    with daemon_lab("bs") as (lab, wd, bus):
        gw, lan, isp = topology(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        g.write_config("version: 1\n")
        if not g.start():
            t.check("gatewayd starts", False, g.log())
            t.finish()
        skip_unless_fallback_kernel(t, status_json(g).get("kernel"))
        refusal_checks(t, g, lab, wd)
        split_path = write(os.path.join(wd, "split.yaml"), config("l3-on-bridge"))
        a = g.gwctl_run("apply", split_path)
        t.check("with fallback: l3-on-bridge the apply succeeds", a.returncode == 0, a.stdout + a.stderr + g.log()[-800:])
        bridge_checks(t, g, lab, split_path)
        traffic_checks(t, g, lab, lan, isp)
        ra_checks(t, g, lab, lan, isp)
        ipv4_checks(t, g, lab, lan, isp)
        replug_checks(t, g, lab, gw, lan, isp)
        removal_checks(t, g, lab, gw, lan, wd)
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
