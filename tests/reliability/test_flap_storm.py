#!/usr/bin/env python3
"""A flap storm under the running daemon: the LAN link taken down and up
again and again, then deleted and re-created again and again. Afterwards
`gwctl diff` is empty (the daemon followed), the daemon's RSS grew by less
than 1 MiB and its fd count is unchanged; the CPU time it spent is
printed. Lean counts here; bench/soak.sh runs 1,000 cycles and 100
re-creations.

Usage: test_flap_storm.py GATEWAYD GWCTL   (root)
"""
import os
import sys
import time

from harness import gateway, rounds
from daemon_lab import Checks, require_root


def usage(pid):
    """(RSS KiB, open fds, CPU seconds) of a process."""
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return rss, fds, cpu


def settled(g):
    """The daemon has followed: diff is empty (waits on it, generously)."""
    return g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, timeout=120, step=0.5)


def storm(lab, gw, lan, cycles, recreations):
    script = f"for i in $(seq {cycles}); do ip link set lan0 down; ip link set lan0 up; done"
    lab.run(gw, ["sh", "-c", script], timeout=1800)
    for _ in range(recreations):
        lab.ip(gw, "link del lan0")
        lab.ip(gw, f"link add lan0 type veth peer name eth0 netns {lan}")
        lab.ip(gw, "link set lan0 up")
        lab.ip(lan, "link set eth0 up")


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    cycles, recreations = rounds(200, 1000), rounds(20, 100)
    t = Checks("flap storm")
    with gateway("f", gatewayd, gwctl) as (g, lan, _, _):
        lab, gw = g.lab, g.ns
        t.check("gatewayd is ready", g.start(), g.log())
        storm(lab, gw, lan, 20, 2)  # warm-up: the allocator's steady state, not growth
        t.check("after a warm-up the daemon has followed", settled(g), g.log()[-500:])
        rss0, fds0, cpu0 = usage(g.proc.pid)
        started = time.monotonic()
        storm(lab, gw, lan, cycles, recreations)
        took = time.monotonic() - started
        t.check(f"{cycles} down/up cycles and {recreations} re-creations: gwctl diff empty afterwards",
                settled(g), g.log()[-500:])
        t.check("... and lan0 has its address again", "172.16.2.1/16" in g.addresses("lan0"))
        rss1, fds1, cpu1 = usage(g.proc.pid)
        print(f"figures: storm {took:.1f} s; daemon RSS {rss0} -> {rss1} KiB ({rss1 - rss0:+d}), "
              f"fds {fds0} -> {fds1}, CPU {cpu1 - cpu0:.2f} s")
        t.check("daemon RSS grew by less than 1 MiB", rss1 - rss0 < 1024, f"{rss1 - rss0} KiB")
        t.check("daemon fd count unchanged", fds1 == fds0, f"{fds0} -> {fds1}")
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
