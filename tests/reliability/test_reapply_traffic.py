#!/usr/bin/env python3
"""Reapplies under traffic: while the daemon replaces its ruleset again and
again (two configs in turn, so every apply rebuilds the table), a
long-lived TCP flow through a port forward keeps flowing (0 resets, still
moving after the last apply) and a denied port probed in a loop never
answers (0 leaks). Stalls of the flow longer than 1 s are counted and
printed with the longest gap (a busy machine can stall any process, so
the figure is reported, not asserted). Lean count here; bench/soak.sh
runs 1,000 reapplies.

Usage: test_reapply_traffic.py GATEWAYD GWCTL   (root)
"""
import json
import os
import signal
import sys
import textwrap
import time

from harness import gateway, rounds
from daemon_lab import Checks, base_config, require_root

SERVER = """
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 443)); s.listen(4); print("ready", flush=True)
c, _ = s.accept()
while True:
    c.sendall(b"x" * 1024); time.sleep(0.01)
"""

CLIENT = """
import json, signal, socket, sys, time
stats = {"bytes": 0, "max_gap": 0.0, "stalls": 0, "reset": None, "last": 0.0}
def report(*_):
    print(json.dumps(stats), flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, report)
s = socket.create_connection(("192.0.2.2", 443), timeout=10)
print("connected", flush=True)
last = time.monotonic()
while True:
    try:
        data = s.recv(65536)
    except OSError as e:
        stats["reset"] = repr(e); report()
    if not data:
        stats["reset"] = "EOF"; report()
    now = time.monotonic()
    gap = now - last
    stats["max_gap"] = max(stats["max_gap"], gap); stats["stalls"] += gap > 1.0
    stats["bytes"] += len(data); stats["last"] = time.time(); last = now
"""

PROBER = """
import json, signal, socket, sys
stats = {"attempts": 0, "leaks": 0}
def report(*_):
    print(json.dumps(stats), flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, report)
print("probing", flush=True)
while True:
    for port in (22, 8080):
        stats["attempts"] += 1
        try:
            socket.create_connection(("192.0.2.2", port), timeout=0.3).close()
            stats["leaks"] += 1
        except OSError:
            pass
"""


def start(lab, ns, code, expect):
    proc = lab.spawn(ns, [sys.executable, "-c", textwrap.dedent(code)])
    line = proc.stdout.readline().strip()
    if line != expect:
        raise RuntimeError(f"{expect!r} expected in {ns}, got {line!r}: {proc.stderr.read()}")
    return proc


def finish(proc):
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return json.loads(out.strip().splitlines()[-1])


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    count = rounds(100, 1000)
    t = Checks("reapplies under traffic")
    with gateway("r", gatewayd, gwctl) as (g, lan, up, wd):
        lab = g.lab
        lab.ip(lan, "addr add 172.16.1.100/16 dev eth0")
        lab.ip(lan, "route add default via 172.16.2.1")
        configs = [g.config, os.path.join(wd, "alt.yaml")]
        with open(configs[1], "w") as f:
            f.write(base_config(extra_forwards=1))
        t.check("gatewayd is ready", g.start(), g.log())
        start(lab, lan, SERVER, "ready")
        client = start(lab, up, CLIENT, "connected")
        prober = start(lab, up, PROBER, "probing")
        failed, started = 0, time.monotonic()
        for i in range(count):
            r = g.gwctl_run("apply", configs[(i + 1) % 2], timeout=120)
            failed += r.returncode != 0
        took = time.monotonic() - started
        last_apply_done = time.time()
        time.sleep(2)  # the flow must still move after the last apply
        flow, probes = finish(client), finish(prober)
        t.check(f"{count} reapplies succeeded ({took:.1f} s)", failed == 0, f"{failed} failed")
        t.check("the forwarded flow was never reset", flow["reset"] is None, str(flow["reset"]))
        t.check("... and still moved after the last reapply", 0 < last_apply_done < flow["last"],
                str(flow))
        t.check(f"the denied ports never answered ({probes['attempts']} probes)", probes["leaks"] == 0, str(probes))
        print(f"figures: {count} reapplies in {took:.1f} s; flow {flow['bytes'] // 1024} KiB, "
              f"{flow['stalls']} stalls > 1 s, longest gap {flow['max_gap']:.2f} s, resets 0; "
              f"{probes['attempts']} probes of denied ports, {probes['leaks']} leaks")
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
