#!/usr/bin/env python3
"""Failover time of the VRRP pair (tests/ha/ha_lab.py, host tier, the
stand-in pppd): the MASTER is taken out (its keepalived or its gatewayd
killed with SIGKILL, in turn) and the BACKUP's times are taken from that
moment: keepalived's role change (the virtual address appears on its LAN
link: the reference, keepalived on its own), gatewayd's reaction (its
pppd session starts) and the first packet from the LAN client through
the new MASTER to the Internet host (a ping every 20 ms, timestamps from
ping -D). Prints each trial and the medians, and the ratio of the first
packet to keepalived's role change.

Usage: bench/failover.py BUILD_DIR [TRIALS] [ADVERT_S]   (root)
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "ha"))
from ha_lab import INTERNET, VIP, Pair  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
trials = int(sys.argv[2]) if len(sys.argv) > 2 else 6
advert = int(sys.argv[3]) if len(sys.argv) > 3 else 1
exe = lambda p: os.path.join(build, p)  # noqa: E731
pair = Pair("fo", exe("daemon/gatewayd"), exe("ctl/gwctl"), exe("tests/uplinks/standin-pppd"), advert=advert)


def wait(pred, timeout=60, step=0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return time.monotonic()
        time.sleep(step)
    return None


def has_vip(me):
    g = pair.boxes[me][0]
    out = pair.lab.run(g.ns, ["ip", "-o", "addr", "show", "dev", "lan0"], check=False).stdout
    return f"inet {VIP}/" in out


def master_with_session():
    s = pair.sessions()
    for me in "ab":
        if len(s[me]) == 1 and not s["b" if me == "a" else "a"] and has_vip(me):
            return me
    return None


def trial(kind):
    wait(lambda: master_with_session() is not None, 120, 0.05)
    m = master_with_session()
    new = "b" if m == "a" else "a"
    ping = subprocess.Popen(["ip", "netns", "exec", pair.client, "ping", "-D", "-n", "-i", "0.02", "-W", "1",
                             INTERNET], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    t0_wall, t0 = time.time(), time.monotonic()
    if kind == "keepalived":
        for p in pair.keepalived_pids(m):
            os.kill(p, signal.SIGKILL)
    else:
        pair.boxes[m][0].stop(signal.SIGKILL)
    t_vip = wait(lambda: has_vip(new))
    t_session = wait(lambda: len(pair.sessions()[new]) == 1)
    time.sleep(1.5)  # replies keep coming once the new session is up
    ping.send_signal(signal.SIGINT)
    out = ping.communicate()[0]
    replies = [float(x) for x in re.findall(r"^\[(\d+\.\d+)\] \d+ bytes from", out, re.M)]
    after = [r for r in replies if r > t0_wall + 0.001]
    # The first reply after a gap: replies right after t0 were still on their way through the old MASTER.
    first = next((b for a, b in zip([t0_wall] + after, after) if b - a > 0.1), None)
    if kind == "gatewayd":
        pair.start(m)  # back as BACKUP (preempt off)
    return (m, kind, (t_vip - t0) if t_vip else None, (t_session - t0) if t_session else None,
            (first - t0_wall) if first else None)


def fmt(x):
    return f"{x * 1000:8.0f}" if x is not None else "       -"


try:
    if not (pair.start("a") and pair.start("b")):
        sys.exit("the gateways did not start")
    rows = [trial("keepalived" if i % 2 == 0 else "gatewayd") for i in range(trials)]
finally:
    for me in "ab":
        g = pair.boxes[me][0]
        if g.proc and g.proc.poll() is None:
            g.stop()
    pair.close()

print(f"advert interval {advert} s; times in ms from the kill")
print("  old  killed       role(VIP)  session  first-packet")
for m, kind, vip, sess, pkt in rows:
    print(f"  {m}    {kind:<10} {fmt(vip)} {fmt(sess)} {fmt(pkt)}")
for kind in ("keepalived", "gatewayd"):
    sel = [r for r in rows if r[1] == kind and None not in r[2:]]
    if sel:
        vip = statistics.median(r[2] for r in sel)
        sess = statistics.median(r[3] for r in sel)
        pkt = statistics.median(r[4] for r in sel)
        print(f"median {kind:<10} role {vip * 1000:.0f} ms, session {sess * 1000:.0f} ms, "
              f"first packet {pkt * 1000:.0f} ms; first packet / keepalived's role change = {pkt / vip:.2f}")
