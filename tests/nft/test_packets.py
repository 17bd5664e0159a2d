"""Packets through the compiled ruleset, loaded with `nft -f` into a lab of
network namespaces (no daemon involved): port forwards with translation,
ranges and allowed sources, masquerade towards the uplink, and hairpin NAT
from the LAN to the uplink's own address.

    gw:  wan0 10.0.0.1/24 (uplink "up")   lan0 bridge 172.16.2.1/16
    out: 10.0.0.2 and 10.0.0.99 on eth0 (the internet side)
    srv: 172.16.1.100, cli: 172.16.5.5 (LAN hosts on lan0)
"""
import os
import subprocess
import sys
import tempfile

from netlab import Checks, Lab


def main(render_case, config):
    if os.geteuid() != 0:
        print("skipping: needs root (network namespaces)")
        sys.exit(77)
    checks = Checks("nft-packets")
    with tempfile.TemporaryDirectory() as facts_dir:
        with open(os.path.join(facts_dir, "facts.yaml"), "w") as f:
            f.write("uplink-addresses:\n  up: [10.0.0.1]\n")
        rules = subprocess.run([render_case, config, facts_dir], capture_output=True, text=True, check=True).stdout

    lab = Lab("pk")
    gw, out = lab.netns("gw"), lab.netns("out")
    lab.veth(gw, "wan0", out, "eth0")
    lab.ip(gw, "addr add 10.0.0.1/24 dev wan0")
    lab.ip(out, "addr add 10.0.0.2/24 dev eth0")
    lab.ip(out, "addr add 10.0.0.99/24 dev eth0")
    lab.bridge(gw, "lan0")
    lab.ip(gw, "addr add 172.16.2.1/16 dev lan0")
    srv = lab.host("srv", gw, "lan0", "172.16.1.100/16", "172.16.2.1")
    cli = lab.host("cli", gw, "lan0", "172.16.5.5/16", "172.16.2.1")
    lab.sysctl(gw, "net.ipv4.ip_forward", 1)
    lab.run(gw, ["nft", "-f", "-"], input=rules)
    for port in (443, 9000, 7005):
        lab.tcp_server(srv, port)
    lab.tcp_server(out, 80)

    seen = lab.connect(out, "10.0.0.1", 8443)
    checks.check("forward 8443 -> 172.16.1.100:443", seen == ("10.0.0.2", srv), seen)
    seen = lab.connect(out, "10.0.0.1", 7005)
    checks.check("forward of a range keeps the port (7005)", seen == ("10.0.0.2", srv), seen)
    seen = lab.connect(out, "10.0.0.1", 9000)
    checks.check("forward limited to 10.0.0.99 refuses 10.0.0.2", seen is None, seen)
    code = ("import socket; s=socket.socket(); s.settimeout(2); s.bind(('10.0.0.99',0)); "
            "s.connect(('10.0.0.1',9000)); print(s.recv(100).decode())")
    res = lab.run(out, [sys.executable, "-c", code], check=False)
    checks.check("forward limited to 10.0.0.99 admits it", res.stdout.split()[:1] == ["10.0.0.99"],
                 res.stdout + res.stderr)
    seen = lab.connect(cli, "10.0.0.2", 80)
    checks.check("LAN -> internet is masqueraded to 10.0.0.1", seen == ("10.0.0.1", out), seen)
    seen = lab.connect(cli, "10.0.0.1", 8443)
    checks.check("hairpin: LAN host reaches the forward via the public address, masqueraded",
                 seen == ("172.16.2.1", srv), seen)
    counters = lab.run(gw, ["nft", "list", "map", "inet", "gatewayd", "fwd4"]).stdout
    checks.check("per-forward counter counted the web connections",
                 'packets 2 bytes' in counters.split('comment "web"')[0].splitlines()[-1], counters)
    lab.close()
    checks.finish()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
