#!/usr/bin/env python3
"""SIGKILL while gatewayd applies a large ruleset (10,000 port forwards)
leaves the kernel with the old ruleset or the new one, never a mix, and a
restarted daemon converges on its config file (root, real kernel).

The kill lands at several points of the apply (the delays span the time
one apply takes here); every outcome is compared with the full text of
both rulesets.

Usage: test_daemon_kill.py GATEWAYD GWCTL   (root)
"""
import os
import signal
import subprocess
import sys
import time

from daemon_lab import Bus, Checks, Gateway, Lab, base_config, gateway_netns, require_root, workdir

FORWARDS = 10000


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def kill_during(g, argv_or_signal, delay):
    """Starts an apply (gwctl argv) or sends a signal, SIGKILLs the daemon
    `delay` seconds later; returns once both are over."""
    client = None
    if isinstance(argv_or_signal, list):
        client = subprocess.Popen(["ip", "netns", "exec", g.ns] + argv_or_signal, env=g.env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        g.send(argv_or_signal)
    time.sleep(delay)
    g.stop(signal.SIGKILL)
    if client:
        client.wait(timeout=120)


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("SIGKILL during a large apply")
    lab = Lab("k")
    wd = workdir()
    bus = Bus(wd)
    try:
        gw, _, _ = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        small = base_config()
        big = write(os.path.join(wd, "big.yaml"), base_config(extra_forwards=FORWARDS))
        g.write_config(small)
        t.check("gatewayd is ready", g.start(), g.log())
        old = g.table_text()
        started = time.monotonic()
        r = g.gwctl_run("apply", big, timeout=300)
        took = time.monotonic() - started
        new = g.table_text()
        t.check(f"a whole apply of {FORWARDS} forwards works ({took:.1f} s)",
                r.returncode == 0 and new.count(" : 172.16.1.") == FORWARDS + 1, r.stderr[-500:])
        g.gwctl_run("apply", g.config, timeout=300)
        seen = {"old": 0, "new": 0}
        for fraction in (0.3, 0.6, 0.8, 0.9, 1.0, 1.1, 1.4, 2.0):
            kill_during(g, [gwctl, "apply", big], took * fraction)
            now = g.table_text()
            outcome = "old" if now == old else "new" if now == new else None
            t.check(f"killed at {fraction:.0%} of an apply: the {outcome or 'MIXED'} ruleset, whole",
                    outcome is not None, f"{now.count(' : 172.16.1.')} forwards in the kernel")
            if outcome:
                seen[outcome] += 1
            t.check("... and a restarted daemon converges on its file",
                    g.start(timeout=120) and g.wait_until(lambda: g.table_text() == old, 60), g.log()[-800:])
        print(f"outcomes: {seen}")

        g.write_config(open(big).read())
        g.stop(signal.SIGTERM)
        t.check("a restart with the large file converges on it",
                g.start(timeout=120) and g.table_text() == new, g.log()[-800:])
        g.write_config(small)
        kill_during(g, signal.SIGHUP, took * 0.5)
        now = g.table_text()
        t.check("killed during a SIGHUP reload: old or new ruleset, whole", now in (old, new),
                f"{now.count(' : 172.16.1.')} forwards")
        t.check("... and the restart converges on the file",
                g.start(timeout=120) and g.wait_until(lambda: g.table_text() == old, 60), g.log()[-800:])
        g.stop()
    finally:
        lab.close()
        bus.close()
    t.finish()


if __name__ == "__main__":
    main()
