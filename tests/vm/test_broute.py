#!/usr/bin/env python3
"""examples/brouter.yaml as shipped, on a kernel that has `meta broute` and
nf_conntrack_bridge (runs inside the vm guest through run_in_vm.py; the
host kernel has neither). The only change the test makes to the example is
the password file: one of its own, mode 0600, under the guest's /tmp.
gatewayd must choose the bridge-family path and say so; IPv6 is bridged
between lan0 and wan0 and filtered statefully, while everything else on the
enslaved ports is routed by the host: lan0 keeps 192.168.10.1 and a real
PPPoE session (gatewayd's pppd against pppoe-server, CHAP with the
example's username) runs on the enslaved wan0 and carries the LAN's IPv4
out, masqueraded. The password shows on no command line, log, status or
diff.

  lan --eth0 | lan0-- gw --wan0 | eth0-- isp --eth1 | eth0-- net
  gw:  br6 = lan0 + wan0 (IPv6 only), 192.168.10.1 on lan0, PPPoE on wan0
  lan: 192.168.10.20; IPv6 only from the ISP's RA (2001:db8:1:2::/64),
       interface token ::10, so SLAAC gives it 2001:db8:1:2::10
  isp: pppoe-server (198.51.100.1, pool 203.0.113.10); the IPv6 router
       that sends the RA on eth0 and routes to the net namespace
  net: the ISP-side host 2001:db8:ffff::20 (the example's nas-ssh source)
       and 2001:db8:ffff::21 (a source the example does not allow)

With `br-netfilter` as fourth argument the guest first loads br_netfilter
and refuses to load nf_conntrack_bridge, so gatewayd must take the other
broute path: marks and broute in the bridge table, the stateful filter in
the inet forward hook.

Usage (guest): test_broute.py GATEWAYD GWCTL EXAMPLE [br-netfilter]
"""
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import test_bridge_split as split  # noqa: E402
from daemon_lab import Bus, Checks, Gateway, Lab, workdir  # noqa: E402
from test_pppoe_gatewayd import (PppoeServer, password_exposed, require_guest, session_of,  # noqa: E402
                                 status_json, wait_up)

ISP_ADDR, POOL = "198.51.100.1", "203.0.113.10"
PREFIX = "2001:db8:1:2::"          # what the ISP advertises to the LAN
LAN6 = "2001:db8:1:2::10"          # the example's nas-ssh destination
NAS_PEER = "2001:db8:ffff::20"     # the example's nas-ssh source
OTHER_PEER = "2001:db8:ffff::21"   # an ISP-side source the example does not allow
SSH, OTHER_PORT, OUT_PORT = 22, 2222, 7000
PASSWORD_FILE = "/etc/gatewayd/isp.password"
PATHS = {"bridge-conntrack": "bridge family (meta broute, nf_conntrack_bridge)",
         "br-netfilter": "inet family via br_netfilter (meta broute)"}
MODPROBE = "/run/gw-vm/bin/modprobe"  # init.sh's wrapper around the cached modules


def example_config(example, password_file):
    """The example as shipped with the test's own password file; the
    username the ISP side must know."""
    text = open(example).read()
    assert f"password-file: {PASSWORD_FILE}\n" in text, "the example's password file moved"
    user = re.search(r"^\s+username: (\S+)$", text, re.M).group(1)
    return text.replace(PASSWORD_FILE, password_file), user


def without_bridge_conntrack():
    """br_netfilter loaded; nf_conntrack_bridge made unloadable (the kernel
    asks /proc/sys/kernel/modprobe for it when a bridge table uses ct)."""
    subprocess.run([MODPROBE, "br_netfilter"], check=True)
    wrapper = "/run/gw-vm/bin/modprobe-no-bridge-ct"
    with open(wrapper, "w") as f:
        f.write("#!/bin/busybox ash\n"
                "for a in \"$@\"; do [ \"$a\" = nf_conntrack_bridge ] && exit 1; done\n"
                f"exec {MODPROBE} \"$@\"\n")
    os.chmod(wrapper, 0o755)
    with open("/proc/sys/kernel/modprobe", "w") as f:
        f.write(wrapper)


def topology(lab):
    gw, lan, isp, net = lab.netns("gw"), lab.netns("lan"), lab.netns("isp"), lab.netns("net")
    for ns in (gw, lan, isp, net):
        lab.sysctl(ns, "net.ipv6.conf.default.accept_dad", "0")
    lab.sysctl(isp, "net.ipv6.conf.all.forwarding", "1")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.veth(gw, "wan0", isp, "eth0")
    lab.veth(isp, "eth1", net, "eth0")
    lab.ip(lan, "addr add 192.168.10.20/24 dev eth0")
    lab.ip(lan, "route add default via 192.168.10.1")
    # The address comes from the RA; the token fixes its host part.
    lab.ip(lan, "token set ::10 dev eth0")
    lab.ip(isp, f"route add {PREFIX}/64 dev eth0")
    lab.ip(isp, "addr add 2001:db8:ffff::1/64 dev eth1 nodad")
    for peer in (NAS_PEER, OTHER_PEER):
        lab.ip(net, f"addr add {peer}/64 dev eth0 nodad")
    lab.ip(net, "route add default via 2001:db8:ffff::1")
    return gw, lan, isp, net


def password_file(wd):
    password = "vm-" + secrets.token_hex(12)
    path = os.path.join(wd, "isp.password")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (password + "\n").encode())
    os.close(fd)
    return path, password


def start(c, lab, wd, bus, gw, isp, gatewayd, gwctl, example):
    path, password = password_file(wd)
    config, user = example_config(example, path)
    server = PppoeServer(lab, isp, wd, password)
    with open("/etc/ppp/chap-secrets", "w") as f:  # the example's user, not the PPPoE test's
        f.write(f'"{user}" * "{password}" *\n')
    server.start(POOL)
    g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
    g.write_config(config)
    ready = g.start(timeout=120, extra_args=["--pppd", "/usr/sbin/pppd"])
    c.check("gatewayd starts with examples/brouter.yaml and says READY=1", ready, g.log()[-2000:])
    return g, password


def path_checks(c, g, lab, gw, mode):
    kernel = status_json(g).get("kernel", {})
    bridge_ct = mode == "bridge-conntrack"
    c.check(f"the kernel offers meta broute, nf_conntrack_bridge {'yes' if bridge_ct else 'no'}",
            kernel.get("broute") is True and kernel.get("bridge_conntrack") is bridge_ct, f"{kernel}")
    c.check(f"status names the path: {PATHS[mode]}", kernel.get("ipv6_split") == PATHS[mode], f"{kernel}")
    st = g.gwctl_run("status")
    c.check("... gwctl status too", f"IPv6 bridge split: {PATHS[mode]}" in st.stdout, st.stdout + st.stderr)
    nf = lab.run(gw, ["sysctl", "-n", "net.bridge.bridge-nf-call-ip6tables"], check=False).stdout.strip()
    c.check("bridge-nf-call-ip6tables as the path needs (1 for br_netfilter, 0 or absent otherwise)",
            nf == ("0" if bridge_ct else "1") or (bridge_ct and nf == ""), nf)
    c.check("br6 holds lan0 and wan0", all("master br6" in split.link_text(lab, gw, p) for p in ("lan0", "wan0")))
    c.check("lan0 keeps 192.168.10.1/24", "192.168.10.1/24" in g.addresses("lan0"), f"{g.addresses('lan0')}")


def ipv4_checks(c, g, lab, lan, isp):
    report = wait_up(g, timeout=180)
    _, session = session_of(report)
    c.check("a PPPoE session comes up on the enslaved wan0 (PPPoE frames brouted to the port)",
            session.get("state") == "up" and session.get("address") == POOL, f"{session}\n{g.log()[-1500:]}")
    c.check("the LAN host pings lan0's 192.168.10.1 (IPv4 brouted to the port)",
            lab.ping(lan, "192.168.10.1", timeout=3))
    c.check("... and the ISP side's 198.51.100.1 through PPPoE",
            g.wait_until(lambda: lab.ping(lan, ISP_ADDR, timeout=3), timeout=120))
    lab.tcp_server(isp, 8080)
    seen = lab.connect(lan, ISP_ADDR, 8080, timeout=5)
    c.check(f"... TCP too, masqueraded: the ISP side sees {POOL}", seen == (POOL, isp), f"{seen}")


def connect6(lab, ns, source, address, port, timeout=3.0):
    """TCP over IPv6 from `source`: (peer seen by the server, server
    namespace), or None when refused, reset or timed out."""
    code = textwrap.dedent(f"""
        import socket
        s = socket.socket(socket.AF_INET6)
        s.settimeout({timeout})
        try:
            s.bind(("{source}", 0))
            s.connect(("{address}", {port}))
            print(s.recv(2048).decode())
        except OSError as e:
            print("FAIL", e)
    """)
    out = lab.run(ns, [sys.executable, "-c", code], timeout=timeout + 20).stdout.split()
    return None if not out or out[0] == "FAIL" else tuple(out)


def rule_count(g, chain, name):
    return sum(r["packets"] for r in status_json(g).get("rules", []) if r["chain"] == chain and r["name"] == name)


def slaac_checks(c, g, lab, lan, isp):
    split.send_ra(lab, isp, PREFIX)
    got = g.wait_until(lambda: LAN6 in split.addresses_in(lab, lan, "eth0", PREFIX), timeout=120)
    c.check(f"an RA sent on the ISP side gives the LAN host {LAN6}", got,
            lab.run(lan, ["ip", "-6", "addr"]).stdout)
    route = lab.run(lan, ["ip", "-6", "route", "show", "default"], check=False).stdout
    c.check("... and its default route, via the ISP router's link-local address",
            "via fe80:" in route and "proto ra" in route, route)
    c.check("the gateway's bridge does not autoconfigure from it",
            not split.addresses_in(lab, g.ns, "br6", PREFIX), lab.run(g.ns, ["ip", "-6", "addr"]).stdout)
    c.check("a DHCPv6 answer from the ISP side reaches the LAN host", split.dhcpv6_reply_arrives(lab, lan, isp))


def outbound_checks(c, lab, lan, net):
    c.check(f"the LAN host pings the ISP-side host {NAS_PEER} across the bridge",
            lab.ping(lan, NAS_PEER, timeout=5))
    split.tcp6_server(lab, net, OUT_PORT)
    seen = lab.connect(lan, NAS_PEER, OUT_PORT, timeout=5)
    c.check("outbound IPv6 TCP, end to end: the ISP-side host sees the LAN host's own address",
            seen == (LAN6, net), f"{seen}")


def explain_agrees(c, g, example, source, port, got_in):
    """gwctl explain, probing this kernel as the daemon did, says of the
    same packet what just happened to it."""
    r = g.gwctl_run("explain", "--json", "--file", example, "--in", "wan0", source, LAN6, f"tcp/{port}")
    verdict = json.loads(r.stdout)["verdict"] if r.returncode == 0 else r.stderr
    c.check(f"... and gwctl explain says so ({verdict})", verdict == ("delivered" if got_in else "dropped"),
            r.stdout[-1500:])


def inbound_checks(c, g, lab, lan, net, example):
    split.tcp6_server(lab, lan, SSH)
    split.tcp6_server(lab, lan, OTHER_PORT)
    allowed = rule_count(g, "incoming", "nas-ssh")
    seen = connect6(lab, net, NAS_PEER, LAN6, SSH, timeout=5)
    c.check(f"nas-ssh: tcp {SSH} from {NAS_PEER} to {LAN6} gets in", seen == (NAS_PEER, lan), f"{seen}")
    explain_agrees(c, g, example, NAS_PEER, SSH, True)
    after = rule_count(g, "incoming", "nas-ssh")
    c.check("... counted under its name in gwctl status", after > allowed, f"{allowed} -> {after}")
    c.check("inbound echo request answered (icmpv6-echo: true)", lab.ping(net, LAN6, timeout=5))
    for source, port in ((NAS_PEER, OTHER_PORT), (OTHER_PEER, SSH)):
        before = split.drop_count(g, "incoming", "policy")
        c.check(f"inbound tcp {port} from {source} is dropped", connect6(lab, net, source, LAN6, port) is None)
        explain_agrees(c, g, example, source, port, False)
        after = split.drop_count(g, "incoming", "policy")
        c.check("... and counted (incoming policy)", after > before, f"{before} -> {after}")


def final_checks(c, g, password):
    d = g.gwctl_run("diff")
    c.check("gwctl diff is empty: the kernel holds what was compiled (the broute and filter rules read back equal)",
            d.returncode == 0 and not d.stdout, d.stdout + d.stderr)
    texts = {"gatewayd log": g.log(), "status": g.gwctl_run("status").stdout,
             "status json": g.gwctl_run("status", "--json").stdout, "diff": d.stdout + d.stderr}
    exposed = password_exposed(password, texts)
    c.check("the password is on no command line, in no log, status or diff", not exposed, f"{exposed}")


def run(c, lab, wd, bus, argv, mode):
    gatewayd, gwctl, example = argv
    gw, lan, isp, net = topology(lab)
    g, password = start(c, lab, wd, bus, gw, isp, gatewayd, gwctl, example)
    if c.failed:
        return
    path_checks(c, g, lab, gw, mode)
    ipv4_checks(c, g, lab, lan, isp)
    slaac_checks(c, g, lab, lan, isp)
    outbound_checks(c, lab, lan, net)
    inbound_checks(c, g, lab, lan, net, example)
    final_checks(c, g, password)
    if c.failed:
        print(g.gwctl_run("status").stdout)
        print(f"--- gatewayd log\n{g.log()[-3000:]}")
    started = time.monotonic()
    g.stop()
    print(f"gatewayd stopped in {time.monotonic() - started:.1f} s")


def main():
    require_guest()
    mode = sys.argv[4] if len(sys.argv) > 4 else "bridge-conntrack"
    if mode == "br-netfilter":
        without_bridge_conntrack()
    c = Checks(f"examples/brouter.yaml with meta broute, {mode} (vm)")
    lab = Lab("b")
    wd = workdir()
    bus = Bus(wd)
    try:
        run(c, lab, wd, bus, sys.argv[1:4], mode)
    finally:
        lab.close()
        bus.close()
        shutil.rmtree(wd, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
