#!/usr/bin/env python3
"""What the firewall and NAT options do to real packets on the real kernel
(root; namespaces of the test's own, gwctl apply in direct mode):

- mss-clamp: a LAN client's SYN (MSS 1460 on its 1500-byte link) leaves
  through a 1400-byte uplink with MSS 1360, seen on the wire by a raw
  socket on the far side; with `mss-clamp: false` it stays 1460, so the
  rewrite is gatewayd's.
- the forward chain's drop log: lines with the configured prefix appear in
  the kernel log, and under a flood of 300 dropped packets their number
  stays within the configured rate and burst, while the counter sees every
  packet.
- `reject`: a TCP connection gets a reset at once (ECONNREFUSED), a UDP
  datagram an ICMP "administratively prohibited" (EHOSTUNREACH); a port no
  rule allows is silently dropped (timeout).
- output rules: the gateway's own connection to a denied port times out,
  to a rejected port is refused, to another port works.

    lan (172.16.1.10) ── lan0 [gw] wan0 (198.51.100.2, mtu 1400) ── wan (198.51.100.1)

The drop log's entries (NFLOG, read by the daemon) are checked with the
daemon in tests/daemon/test_daemon_droplog.py; here the flood is counted.

Usage: test_firewall_packets.py GWCTL   (root)
"""
import atexit
import json
import os
import subprocess
import sys
import textwrap
import time

from netlab import Checks, Lab, require_root

LAN_HOST, LAN_GW, WAN_GW, WAN_HOST = "172.16.1.10", "172.16.1.1", "198.51.100.2", "198.51.100.1"
WAN_MTU = 1400
FLOOD = 300
LOG_RATE, LOG_BURST = 5, 10
PREFIX = f"gwt{os.getpid()}-fwd: "

CONFIG = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [{lan_gw}/24]
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: {wan_host}
    default-route: true
zones:
  lan:
    interfaces: [lan]
  wan:
    uplinks: [wan]
nat:
  masquerade:
    - from: lan
      to: wan
  mss-clamp: {clamp}
firewall:
  input:
    policy: drop
    rules:
      - {{name: ssh, action: allow, from: lan, proto: tcp, port: 22}}
      - {{name: tcp-reject, action: reject, from: wan, proto: tcp, port: 2323}}
      - {{name: udp-reject, action: reject, from: wan, proto: udp, port: 2324}}
  forward:
    policy: drop
    log: {{prefix: "{prefix}", rate: {rate}, per: minute, burst: {burst}}}
    rules:
      - {{name: lan-out, action: allow, from: lan, to: wan}}
  output:
    policy: accept
    rules:
      - {{name: out-deny, action: deny, to: wan, proto: tcp, port: 7001}}
      - {{name: out-reject, action: reject, to: wan, proto: tcp, port: 7002}}
"""


def config(clamp):
    return CONFIG.format(lan_gw=LAN_GW, wan_host=WAN_HOST, clamp=str(clamp).lower(), prefix=PREFIX,
                         rate=LOG_RATE, burst=LOG_BURST)


def topology(lab):
    lan, gw, wan = lab.netns("lan"), lab.netns("gw"), lab.netns("wan")
    lab.veth(lan, "eth0", gw, "lan0")
    lab.veth(gw, "wan0", wan, "eth0")
    lab.ip(lan, f"addr add {LAN_HOST}/24 dev eth0")
    lab.ip(lan, f"route add default via {LAN_GW}")
    for ns, dev in ((gw, "wan0"), (wan, "eth0")):
        lab.ip(ns, f"link set {dev} mtu {WAN_MTU}")
    lab.ip(gw, f"addr add {WAN_GW}/24 dev wan0")
    lab.ip(wan, f"addr add {WAN_HOST}/24 dev eth0")
    # Only so the flood reaches the gateway's forward chain.
    lab.ip(wan, f"route add 172.16.1.0/24 via {WAN_GW}")
    return lan, gw, wan


def apply(lab, gw, gwctl, text, t, what):
    path = os.path.join(lab.workdir, "gateway.yaml")
    with open(path, "w") as f:
        f.write(text)
    res = lab.run(gw, [gwctl, "apply", path], check=False, timeout=120)
    t.check(what, res.returncode == 0, res.stdout + res.stderr)
    return res.returncode == 0


# ---- MSS clamping ------------------------------------------------------------

SYN_SNIFFER = textwrap.dedent("""
    import socket, struct, sys
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind(("eth0", 0))
    s.settimeout(60)
    print("ready", flush=True)
    while True:
        frame = s.recv(65535)
        ip = frame[14:]
        if ip[9] != 6:
            continue
        tcp = ip[(ip[0] & 0xF) * 4:]
        dport, flags, offset = struct.unpack("!H", tcp[2:4])[0], tcp[13], (tcp[12] >> 4) * 4
        if dport != int(sys.argv[1]) or flags & 0x12 != 0x02:
            continue
        opts, i = tcp[20:offset], 0
        while i < len(opts) and opts[i] != 0:
            if opts[i] == 1:
                i += 1
                continue
            if opts[i] == 2:
                print(struct.unpack("!H", opts[i + 2:i + 4])[0], flush=True)
                sys.exit(0)
            i += opts[i + 1]
        print("none", flush=True)
        sys.exit(0)
""")


def syn_mss_seen(lab, lan, wan, port):
    """The MSS option of the SYN a LAN client sends to WAN_HOST:port, as the
    WAN host's wire shows it (None when no SYN was seen)."""
    sniffer = lab.spawn(wan, [sys.executable, "-c", SYN_SNIFFER, str(port)])
    if sniffer.stdout.readline().strip() != "ready":
        return None
    lab.connect(lan, WAN_HOST, port, timeout=5)
    try:
        out, _ = sniffer.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        return None
    return out.strip()


def mss_checks(t, lab, lan, gw, wan, gwctl):
    lab.tcp_server(wan, 7000)
    seen = syn_mss_seen(lab, lan, wan, 7000)
    want = str(WAN_MTU - 40)
    t.check(f"mss-clamp: the forwarded SYN carries MSS {want} (the uplink's route MTU) on the wire",
            seen == want, f"MSS seen: {seen}")
    if not apply(lab, gw, gwctl, config(False), t, "a config with mss-clamp: false applies"):
        return
    seen = syn_mss_seen(lab, lan, wan, 7000)
    t.check("... and without it the SYN keeps the client's MSS 1460 (the rewrite was gatewayd's)",
            seen == "1460", f"MSS seen: {seen}")
    apply(lab, gw, gwctl, config(True), t, "mss-clamp: true applies again")


# ---- the drop log ----------------------------------------------------------------

def drop_counter(lab, gw, gwctl):
    res = lab.run(gw, [gwctl, "status", "--json"], check=False)
    drops = json.loads(res.stdout).get("drops", []) if res.returncode == 0 else []
    return sum(d["packets"] for d in drops if d["chain"] == "forward" and d["name"] == "policy")


FLOODER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(int(sys.argv[2])):
        s.sendto(b"x", (sys.argv[1], 9999))
""")


def log_checks(t, lab, gw, wan, gwctl):
    before = drop_counter(lab, gw, gwctl)
    lab.run(wan, [sys.executable, "-c", FLOODER, LAN_HOST, str(FLOOD)])
    counted = lambda: drop_counter(lab, gw, gwctl) - before  # noqa: E731
    deadline = time.monotonic() + 30
    while counted() < FLOOD and time.monotonic() < deadline:
        time.sleep(0.1)
    t.check(f"the forward policy dropped and counted all {FLOOD} flooded packets", counted() >= FLOOD,
            f"{counted()} counted")


# ---- reject and output rules ---------------------------------------------------

PROBE = textwrap.dedent("""
    import errno, socket, sys
    proto, host, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        if kind == socket.SOCK_DGRAM:
            s.send(b"x")
            s.recv(100)
        print("connected")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
""")


def probe(lab, ns, proto, host, port, timeout=5.0):
    """'connected', 'timeout', or the errno name the client got."""
    return lab.run(ns, [sys.executable, "-c", PROBE, proto, host, str(port), str(timeout)],
                   timeout=timeout + 30).stdout.strip()


def reject_checks(t, lab, gw, wan):
    got = probe(lab, wan, "tcp", WAN_GW, 2323)
    t.check("reject (input, tcp): the client gets a reset at once (ECONNREFUSED)", got == "ECONNREFUSED", got)
    got = probe(lab, wan, "udp", WAN_GW, 2324)
    t.check("reject (input, udp): the client gets ICMP administratively prohibited (EHOSTUNREACH)",
            got == "EHOSTUNREACH", got)
    got = probe(lab, wan, "tcp", WAN_GW, 2325, timeout=2)
    t.check("... while a port no rule names is silently dropped by the policy", got == "timeout", got)


def output_checks(t, lab, gw, wan):
    for port in (7001, 7002, 7003):
        lab.tcp_server(wan, port)
    got = probe(lab, gw, "tcp", WAN_HOST, 7003)
    t.check("output: the gateway's own connection to an allowed port works", got == "connected", got)
    got = probe(lab, gw, "tcp", WAN_HOST, 7001, timeout=2)
    t.check("output deny: the gateway's own connection is dropped (timeout)", got == "timeout", got)
    got = probe(lab, gw, "tcp", WAN_HOST, 7002)
    t.check("output reject: the gateway's own connection is refused at once", got == "ECONNREFUSED", got)


def main():
    gwctl = os.path.abspath(sys.argv[1])
    require_root()
    t = Checks("firewall and NAT on packets")
    lab = Lab("fw")
    lab.workdir = os.path.join("/tmp", f"gw-fw-{os.getpid()}")
    os.makedirs(lab.workdir, exist_ok=True)
    atexit.register(lambda: subprocess.run(["rm", "-rf", lab.workdir]))
    try:
        lan, gw, wan = topology(lab)
        if apply(lab, gw, gwctl, config(True), t, "gwctl apply of the test config"):
            mss_checks(t, lab, lan, gw, wan, gwctl)
            reject_checks(t, lab, gw, wan)
            output_checks(t, lab, gw, wan)
            log_checks(t, lab, gw, wan, gwctl)
    finally:
        lab.close()
    t.finish()


if __name__ == "__main__":
    main()
