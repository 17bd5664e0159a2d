#!/usr/bin/env python3
"""New-connection rate through the gateway to the LAST port forward, for a
small and a large number of forwards. gatewayd's ruleset (one map lookup
per packet) is measured against the reference: the same forwards written
the iptables way, one DNAT rule per forward (nft -f), in the same run.

Usage: bench/conn_rate.py BUILD_DIR [N_SMALL N_LARGE]   (root)"""
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "netns"))
from netlab import Lab  # noqa: E402

SECONDS = 3
ROUNDS = 3
CLIENT = textwrap.dedent("""
    import socket, struct, sys, time
    addr, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    linger = struct.pack("ii", 1, 0)  # close with RST: no TIME_WAIT pile-up
    n, failed, end = 0, 0, time.monotonic() + seconds
    while time.monotonic() < end:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        s.settimeout(1)
        try:
            s.connect((addr, port))
            n += 1
        except OSError:
            failed += 1
        s.close()
    print(n / seconds, failed)
""")
SERVER = textwrap.dedent("""
    import socket, struct, sys
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(sys.argv[1])))
    s.listen(1024)
    print("ready", flush=True)
    while True:
        c, _ = s.accept()
        c.close()
""")


def linear_ruleset(n):
    lines = ["table inet bench {", "\tchain pre {", "\t\ttype nat hook prerouting priority dstnat;"]
    for i in range(n):
        lines.append(f"\t\tiifname \"isp\" tcp dport {20000 + i} dnat ip to 172.16.1.{100 + i % 100}")
    lines += ["\t}", "\tchain post {", "\t\ttype nat hook postrouting priority srcnat;", "\t}",
              "\tchain forward {", "\t\ttype filter hook forward priority filter; policy drop;",
              "\t\tct state established,related accept", "\t\tct status dnat accept", "\t}", "}"]
    return "\n".join(lines) + "\n"


def measure(build, n, style, workdir):
    lab = Lab("cr")
    try:
        inet, gw = lab.netns("inet"), lab.netns("gw")
        lab.veth(inet, "eth0", gw, "isp")
        lab.ip(inet, "addr add 198.51.100.1/24 dev eth0")
        lab.ip(gw, "addr add 198.51.100.2/24 dev isp")
        lab.bridge(gw, "lan0")
        lab.ip(gw, "addr add 172.16.2.1/16 dev lan0")
        lab.sysctl(gw, "net.ipv4.ip_forward", 1)
        last = n - 1
        server_addr = f"172.16.1.{100 + last % 100}"
        srv = lab.host("srv", gw, "lan0", f"{server_addr}/16", "172.16.2.1")
        config = os.path.join(workdir, f"fwd{n}.yaml")
        with open(config, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_forwards.py"), str(n)], stdout=f, check=True)
        if style == "gatewayd":
            lab.run(gw, [os.path.join(build, "ctl", "gwctl"), "apply", config], timeout=120)
        else:
            lab.run(gw, ["nft", "-f", "-"], input=linear_ruleset(n), timeout=120)
        proc = lab.spawn(srv, [sys.executable, "-c", SERVER, str(20000 + last)])
        assert proc.stdout.readline().strip() == "ready"
        rates = []
        for _ in range(ROUNDS):
            out = lab.run(inet, [sys.executable, "-c", CLIENT, "198.51.100.2", str(20000 + last), str(SECONDS)],
                          timeout=SECONDS + 30)
            rate, failed = out.stdout.split()
            if int(failed) > int(float(rate) * SECONDS) // 100:
                raise RuntimeError(f"{failed} of the connections failed")
            rates.append(float(rate))
        return sorted(rates)[len(rates) // 2]
    finally:
        lab.close()


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    small, large = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (10, 10000)
    print(f"new TCP connections per second to the last forward (median of {ROUNDS} x {SECONDS}s)")
    with tempfile.TemporaryDirectory() as workdir:
        rate = {}
        for style in ("gatewayd", "linear"):
            for n in (small, large):
                rate[style, n] = measure(build, n, style, workdir)
                print(f"{style:>9} N={n:<6} {rate[style, n]:10.0f} conn/s")
    g = rate["gatewayd", large] / rate["gatewayd", small]
    lin = rate["linear", large] / rate["linear", small]
    print(f"gatewayd rate(N={large}) / rate(N={small}) = {g:.2f}   (target >= 0.90)")
    print(f"linear   rate(N={large}) / rate(N={small}) = {lin:.2f}   (reference: one rule per forward)")
    print(f"gatewayd / linear at N={large}: {rate['gatewayd', large] / rate['linear', large]:.2f}x")


if __name__ == "__main__":
    main()
