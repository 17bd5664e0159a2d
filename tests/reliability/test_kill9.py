#!/usr/bin/env python3
"""kill -9 at random points of a 10,000-forward apply, in direct mode
(gwctl acting on the kernel) and through the daemon: afterwards the
kernel holds the old ruleset or the new one, whole, never a mix. Asserted
for every kill; the counts (old, new, killed while the apply was still
running) are printed. Lean count here; bench/soak.sh runs 100 of each.

Usage: test_kill9.py GATEWAYD GWCTL   (root)
"""
import os
import random
import signal
import subprocess
import sys
import time

from harness import NO_BUS, gateway, rounds
from daemon_lab import Checks, base_config, require_root

FORWARDS = 10000


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Tally:
    def __init__(self):
        self.old = self.new = self.mixed = self.mid_apply = 0

    def add(self, outcome, was_running):
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.mid_apply += was_running

    def line(self, mode, kills):
        return (f"figures: {mode}: {kills} kills -> old {self.old}, new {self.new}, mixed {self.mixed}; "
                f"{self.mid_apply} landed while the apply was running")


def classify(text, old, new):
    return "old" if text == old else "new" if text == new else "mixed"


def direct_mode(t, g, small, big, rng, kills):
    env = dict(g.env(), **NO_BUS)
    apply = lambda path: g.lab.run(g.ns, [g.gwctl, "apply", path], check=False, env=env, timeout=600)  # noqa: E731
    t.check("direct: the small config applies", apply(small).returncode == 0)
    old = g.table_text()
    started = time.monotonic()
    r = apply(big)
    took = time.monotonic() - started
    new = g.table_text()
    t.check(f"direct: a whole apply of {FORWARDS} forwards ({took:.1f} s)",
            r.returncode == 0 and new.count(" : 172.16.1.") == FORWARDS + 1, r.stderr[-300:])
    tally = Tally()
    for _ in range(kills):
        apply(small)
        client = subprocess.Popen(["ip", "netns", "exec", g.ns, g.gwctl, "apply", big], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, took * 1.2))
        running = client.poll() is None
        # ip netns exec execs gwctl: the pid is gwctl's own.
        client.send_signal(signal.SIGKILL)
        client.wait()
        outcome = classify(g.table_text(), old, new)
        tally.add(outcome, running)
        if outcome == "mixed":
            t.check("direct: killed mid-apply, the kernel holds a whole ruleset", False)
    t.check(f"direct: {kills} kills, each left the old or the new ruleset whole", tally.mixed == 0)
    print(tally.line("direct mode", kills))


def daemon_mode(t, g, big, rng, kills):
    t.check("daemon: gatewayd is ready", g.start(), g.log()[-500:])
    old = g.table_text()
    started = time.monotonic()
    r = g.gwctl_run("apply", big, timeout=600)
    took = time.monotonic() - started
    new = g.table_text()
    t.check(f"daemon: a whole apply of {FORWARDS} forwards ({took:.1f} s)",
            r.returncode == 0 and new.count(" : 172.16.1.") == FORWARDS + 1, r.stderr[-300:])
    g.gwctl_run("apply", g.config, timeout=600)
    tally = Tally()
    for _ in range(kills):
        client = subprocess.Popen(["ip", "netns", "exec", g.ns, g.gwctl, "apply", big], env=g.env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, took * 1.2))
        running = client.poll() is None
        g.stop(signal.SIGKILL)
        client.wait(timeout=120)
        outcome = classify(g.table_text(), old, new)
        tally.add(outcome, running)
        if outcome == "mixed":
            t.check("daemon: killed mid-apply, the kernel holds a whole ruleset", False)
        if not (g.start(timeout=300) and g.wait_until(lambda: g.table_text() == old, 120)):
            t.check("daemon: a restarted daemon converges on its file", False, g.log()[-800:])
            break
    t.check(f"daemon: {kills} kills, each left the old or the new ruleset whole", tally.mixed == 0)
    print(tally.line("daemon", kills))
    g.stop()


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    kills = rounds(10, 100)
    seed = int(os.environ.get("GW_SEED", str(os.getpid())))
    print(f"random seed {seed} (GW_SEED={seed} repeats this run)")
    rng = random.Random(seed)
    t = Checks("kill -9 during a large apply")
    with gateway("9", gatewayd, gwctl) as (g, _, _, wd):
        small = g.config
        big = write(os.path.join(wd, "big.yaml"), base_config(extra_forwards=FORWARDS))
        direct_mode(t, g, small, big, rng, kills)
        daemon_mode(t, g, big, rng, kills)
    t.finish()


if __name__ == "__main__":
    main()
