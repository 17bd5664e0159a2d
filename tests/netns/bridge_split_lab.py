"""The IPv6 bridge-router split's lab, shared by the bridge-split test and
the explain matrix: its config (the `fallback:` given; this kernel, without
`meta broute`, takes l3-on-bridge) and its topology

    [lan] eth0 ──veth── lan0 [gw] wan0 ──veth── eth0 [isp]

where gatewayd bridges lan0 and wan0 into br6.
"""

ISP6, LAN6 = "2001:db8:1::1", "2001:db8:1::10"
ALLOWED, BLOCKED = 8080, 9000  # inbound TCP ports the config allows / does not

SPLIT_CONFIG = """version: 1
interfaces:
  lan:
    device: br6
    addresses: [192.168.10.1/24]
zones:
  lan:
    interfaces: [lan]
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
    fallback: {fallback}
"""


def config(fallback):
    return SPLIT_CONFIG.format(allowed=ALLOWED, fallback=fallback)


def topology(lab):
    """gw (lan0, wan0: gatewayd bridges them), lan host, isp host. IPv6
    addresses without DAD, so nothing waits for duplicate detection."""
    gw, lan, isp = lab.netns("gw"), lab.netns("lan"), lab.netns("isp")
    for ns in (gw, lan, isp):
        lab.sysctl(ns, "net.ipv6.conf.default.accept_dad", "0")
        lab.sysctl(ns, "net.ipv6.conf.all.accept_dad", "0")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.veth(gw, "wan0", isp, "eth0")
    lab.ip(lan, f"addr add {LAN6}/64 dev eth0 nodad")
    lab.ip(isp, f"addr add {ISP6}/64 dev eth0 nodad")
    return gw, lan, isp
