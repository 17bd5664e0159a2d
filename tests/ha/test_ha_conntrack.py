#!/usr/bin/env python3
"""A long-lived TCP flow survives the MASTER's death with conntrackd, and
does not without it (so the check can fail). Two gatewayd boxes with a
LAN and a WAN instance (one sync group: the virtual addresses 172.16.0.1
and 192.0.2.10 move together), a next-hop uplink to the server's router
at 192.0.2.100, the LAN's traffic SNATed to the WAN virtual address, and
conntrackd (FTFW) on a sync cable. The client opens a connection to an
echo server, the MASTER's gatewayd is killed (SIGKILL: keepalived and
conntrackd die with it), and the client sends on the same connection. As
conntrackd's own documentation asks, both gateways run with
nf_conntrack_tcp_loose=0: a new MASTER must not pick up a flow mid-stream
on its own; only the committed external cache can carry it.

Usage: test_ha_conntrack.py GATEWAYD GWCTL   (root)
"""
import os
import shutil
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Bus, Checks, Gateway, require_root, workdir  # noqa: E402
from netlab import Lab  # noqa: E402
from standin import password_file  # noqa: E402

gatewayd, gwctl = sys.argv[1:3]
require_root()
for tool in ("keepalived", "conntrackd"):
    if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
        print(f"skipping: {tool} is not installed (scripts/deps.sh installs it)")
        sys.exit(77)
checks = Checks("ha-conntrack")
SERVER = "198.51.100.100"
PORT = 7007


def config(wd, me, sync):
    n = 2 if me == "a" else 3

    def instance(name, vrid, vip):
        return (f"    {name}:\n      interface: {name}\n      vrid: {vrid}\n"
                f"      priority: {150 if me == 'a' else 100}\n      preempt: false\n"
                f"      virtual-addresses: [{vip}]\n      auth-secret-file: {wd}/vrrp.secret\n")

    sync_part = f"""  sync:
    interface: sync
    peer: 10.99.0.{2 if me == "a" else 1}
""" if sync else ""
    return f"""version: 1
interfaces:
  lan: {{device: lan0, addresses: [172.16.0.{n}/16]}}
  wan: {{device: eth1, addresses: [192.0.2.{n}/24]}}
  sync: {{device: sync0, addresses: [10.99.0.{1 if me == "a" else 2}/30]}}
uplinks:
  up: {{kind: next-hop, device: eth1, gateway: 192.0.2.100, default-route: true, use-dns: false}}
zones:
  lan: {{interfaces: [lan], networks: 172.16.0.0/16}}
  out: {{uplinks: [up]}}
nat:
  snat:
    - from: lan
      to: out
      address: 192.0.2.10
firewall:
  input: {{policy: accept}}
  forward:
    rules:
      - {{action: allow, from: lan, to: out}}
ha:
  instances:
{instance("lan", 51, "172.16.0.1/16")}{instance("wan", 52, "192.0.2.10/24")}{sync_part}"""


def run(sync):
    tag = "cs" if sync else "cn"
    lab = Lab(tag)
    buses, boxes = [], {}
    try:
        lan = lab.netns("lan")
        lab.bridge(lan, "br0")
        wan = lab.netns("wan")
        lab.bridge(wan, "br0")
        client = lab.host("cl", lan, "br0", "172.16.0.100/16", "172.16.0.1")
        server = lab.host("sv", wan, "br0", "192.0.2.100/24")
        lab.ip(server, f"addr add {SERVER}/32 dev lo")
        for me in "ab":
            ns = lab.netns(f"g{me}")
            lab.veth(ns, "lan0", lan, f"p-l{me}")
            lab.ip(lan, f"link set p-l{me} master br0")
            lab.veth(ns, "eth1", wan, f"p-w{me}")
            lab.ip(wan, f"link set p-w{me} master br0")
            lab.sysctl(ns, "net.netfilter.nf_conntrack_tcp_loose", "0")
            wd = workdir()
            bus = Bus(wd)
            buses.append(bus)
            g = Gateway(lab, ns, gatewayd, gwctl, wd, bus)
            password_file(os.path.join(wd, "vrrp.secret"), "pairpw")
            g.write_config(config(wd, me, sync))
            boxes[me] = g
        lab.veth(boxes["a"].ns, "sync0", boxes["b"].ns, "sync0")
        echo = lab.spawn(server, [sys.executable, "-c", ECHO, str(PORT)])
        for me in "ab":
            checks.check(f"[{tag}] gateway {me} starts", boxes[me].start())
        checks.check(f"[{tag}] a becomes MASTER", boxes["a"].wait_until(
            lambda: '"master":true' in boxes["a"].gwctl_run("status", "--json").stdout.replace(" ", ""), 60))
        return flow(lab, client, boxes, tag)
    finally:
        for g in boxes.values():
            if g.proc and g.proc.poll() is None:
                g.stop()
        lab.close()
        for b in buses:
            b.close()


ECHO = """
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
def serve(c):
    while True:
        d = c.recv(4096)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

CLIENT = """
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"before\\n"); print("got", s.recv(100).decode().strip(), flush=True)
sys.stdin.readline()  # the test kills the MASTER meanwhile
s.settimeout(float(sys.argv[3]))
try:
    s.sendall(b"after\\n"); d = s.recv(100)
    print("got", d.decode().strip() if d else "EOF", flush=True)
except OSError as e:
    print("error", type(e).__name__, flush=True)
"""


def flow(lab, client, boxes, tag):
    import subprocess
    time.sleep(3)  # conntrackd on b has had a's events for a while
    p = subprocess.Popen(["ip", "netns", "exec", client, sys.executable, "-c", CLIENT, SERVER, str(PORT), "15"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    first = p.stdout.readline().strip()
    checks.check(f"[{tag}] the flow works through a", first == "got before", first)
    time.sleep(2)  # the flow reaches b's external cache
    boxes["a"].stop(signal.SIGKILL)
    took_over = boxes["b"].wait_until(
        lambda: '"master":true' in boxes["b"].gwctl_run("status", "--json").stdout.replace(" ", ""), 30)
    checks.check(f"[{tag}] b takes over", took_over)
    p.stdin.write("go\n")
    p.stdin.flush()
    second = p.stdout.readline().strip()
    p.wait(30)
    return second, boxes["b"].gwctl_run("status").stdout


second, status_b = run(sync=True)
checks.check("with conntrackd: the flow carries on through b", second == "got after", second + "\n" + status_b)
checks.check("b's status shows the committed external cache",
             "last: MASTER: commit external cache ok" in status_b, status_b)
second, _ = run(sync=False)
checks.check("without conntrackd: the flow does not survive", second != "got after", second)
checks.finish()
