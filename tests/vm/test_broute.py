#!/usr/bin/env python3
"""The IPv6 bridge-router split on a kernel that has `meta broute` and
nf_conntrack_bridge (runs inside the vm guest through run_in_vm.py; the
host kernel has neither). gatewayd must choose the bridge-family path and
say so; IPv6 is bridged between lan0 and wan0 and filtered statefully in
the bridge table, while everything else on the enslaved ports is routed by
the host: lan0 keeps its IPv4 address and a real PPPoE session (gatewayd's
pppd against pppoe-server) runs on the enslaved wan0 and carries the LAN's
IPv4 out.

  lan (192.168.10.20, 2001:db8:1::10)  --eth0 | lan0--  gw  --wan0 | eth0--  isp
  gw: br6 = lan0 + wan0 (IPv6 only), 192.168.10.1 on lan0, PPPoE on wan0
  isp: pppoe-server (198.51.100.1, pool 203.0.113.10), 2001:db8:1::1

With `br-netfilter` as third argument the guest first loads br_netfilter
and refuses to load nf_conntrack_bridge, so gatewayd must take the other
broute path: marks and broute in the bridge table, the stateful filter in
the inet forward hook.

Usage (guest): test_broute.py GATEWAYD GWCTL [br-netfilter]
"""
import os
import secrets
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import test_bridge_split as split  # noqa: E402
from daemon_lab import Bus, Checks, Gateway, Lab, workdir  # noqa: E402
from test_pppoe_gatewayd import USER, PppoeServer, require_guest, session_of, status_json, wait_up  # noqa: E402

ISP_ADDR, POOL = "198.51.100.1", "203.0.113.10"
ISP6, LAN6 = split.ISP6, split.LAN6
ALLOWED, BLOCKED = split.ALLOWED, split.BLOCKED
PATHS = {"bridge-conntrack": "bridge family (meta broute, nf_conntrack_bridge)",
         "br-netfilter": "inet family via br_netfilter (meta broute)"}
MODPROBE = "/run/gw-vm/bin/modprobe"  # init.sh's wrapper around the cached modules

CONFIG = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [192.168.10.1/24]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: {user}
    password-file: {password_file}
    default-route: true
    lcp-echo: {{interval: 2, failures: 3}}
zones:
  lan:
    interfaces: [lan]
    networks: 192.168.10.0/24
  wan:
    uplinks: [isp]
nat:
  masquerade:
    - from: lan
      to: wan
firewall:
  input:
    policy: drop
    rules:
      - name: lan-ping
        action: allow
        from: lan
        proto: icmp
  forward:
    policy: drop
    rules:
      - name: lan-out
        action: allow
        from: lan
        to: wan
ipv6:
  bridge-split:
    bridge: br6
    inside: lan0
    outside: wan0
    allow-inbound:
      - name: lan-web
        action: allow
        proto: tcp
        port: {allowed}
"""


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
    gw, lan, isp = lab.netns("gw"), lab.netns("lan"), lab.netns("isp")
    for ns in (gw, lan, isp):
        lab.sysctl(ns, "net.ipv6.conf.default.accept_dad", "0")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.veth(gw, "wan0", isp, "eth0")
    lab.ip(lan, "addr add 192.168.10.20/24 dev eth0")
    lab.ip(lan, "route add default via 192.168.10.1")
    lab.ip(lan, f"addr add {LAN6}/64 dev eth0 nodad")
    lab.ip(isp, f"addr add {ISP6}/64 dev eth0 nodad")
    return gw, lan, isp


def start(c, lab, wd, bus, gw, isp, gatewayd, gwctl):
    password = "vm-" + secrets.token_hex(12)
    password_file = os.path.join(wd, "isp.password")
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (password + "\n").encode())
    os.close(fd)
    server = PppoeServer(lab, isp, wd, password)
    server.start(POOL)
    g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
    g.write_config(CONFIG.format(user=USER, password_file=password_file, allowed=ALLOWED))
    ready = g.start(timeout=120, extra_args=["--pppd", "/usr/sbin/pppd"])
    c.check("gatewayd starts with the split (no fallback) and says READY=1", ready, g.log()[-2000:])
    return g, server


def path_checks(c, g, lab, gw, mode):
    report = status_json(g)
    kernel = report.get("kernel", {})
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
    d = g.gwctl_run("diff")
    c.check("gwctl diff: the kernel holds what was compiled (broute and bridge ct read back equal)",
            d.returncode == 0 and not d.stdout, d.stdout + d.stderr)


def ipv4_checks(c, g, lab, gw, lan):
    report = wait_up(g, timeout=180)
    _, session = session_of(report)
    c.check("a PPPoE session comes up on the enslaved wan0 (PPPoE frames brouted to the port)",
            session.get("state") == "up" and session.get("address") == POOL, f"{session}\n{g.log()[-1500:]}")
    c.check("the LAN host pings lan0's IPv4 address (IPv4 brouted to the port)",
            lab.ping(lan, "192.168.10.1", timeout=3))
    c.check("... and reaches the ISP side through PPPoE (routed and masqueraded)",
            g.wait_until(lambda: lab.ping(lan, ISP_ADDR, timeout=3), timeout=20))


def ipv6_checks(c, g, lab, lan, isp):
    c.check("outbound IPv6 ping across the bridge (ND, reply back)", lab.ping(lan, ISP6, timeout=5))
    split.tcp6_server(lab, isp, 7000)
    seen = lab.connect(lan, ISP6, 7000, timeout=5)
    c.check("outbound IPv6 TCP; its replies pass only as established (stateful filter)",
            seen == (LAN6, isp), f"{seen}")
    split.tcp6_server(lab, lan, BLOCKED)
    split.tcp6_server(lab, lan, ALLOWED)
    before = split.drop_count(g, "incoming", "policy")
    c.check("inbound TCP to a port not allowed is dropped", lab.connect(isp, LAN6, BLOCKED, timeout=3) is None)
    after = split.drop_count(g, "incoming", "policy")
    c.check("... and counted", after > before, f"{before} -> {after}")
    c.check("inbound TCP to the allowed port works", lab.connect(isp, LAN6, ALLOWED, timeout=5) == (ISP6, lan))
    c.check("a DHCPv6 answer from the ISP side reaches the LAN host", split.dhcpv6_reply_arrives(lab, lan, isp))
    split.send_ra(lab, isp, split.RA_PREFIX)
    got = g.wait_until(lambda: split.addresses_in(lab, lan, "eth0", split.RA_PREFIX), timeout=15)
    c.check("an RA from the ISP side autoconfigures the LAN host", bool(got),
            lab.run(lan, ["ip", "-6", "addr"]).stdout)


def main():
    require_guest()
    gatewayd, gwctl = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "bridge-conntrack"
    if mode == "br-netfilter":
        without_bridge_conntrack()
    c = Checks(f"bridge split with meta broute, {mode} (vm)")
    lab = Lab("b")
    wd = workdir()
    bus = Bus(wd)
    try:
        gw, lan, isp = topology(lab)
        g, server = start(c, lab, wd, bus, gw, isp, gatewayd, gwctl)
        if not c.failed:
            path_checks(c, g, lab, gw, mode)
            ipv4_checks(c, g, lab, gw, lan)
            ipv6_checks(c, g, lab, lan, isp)
            started = time.monotonic()
            g.stop()
            print(f"gatewayd stopped in {time.monotonic() - started:.1f} s")
    finally:
        lab.close()
        bus.close()
    c.finish()


if __name__ == "__main__":
    main()
