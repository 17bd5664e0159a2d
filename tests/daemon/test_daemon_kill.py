#!/usr/bin/env python3
"""SIGKILL while gatewayd applies a large ruleset (10,000 port forwards)
leaves the kernel with the old ruleset or the new one, never a mix, and a
restarted daemon converges on its config file (root, real kernel).

The kill lands at several points inside the apply, measured by the CPU the
daemon has spent on it (a fraction of what one whole apply takes); each
kill is shown to have landed inside the apply (the daemon had worked on it
and gwctl got no answer), and every outcome is compared with the full text
of both rulesets.

Usage: test_daemon_kill.py GATEWAYD GWCTL   (root)
"""
import os
import signal
import subprocess
import sys
import time

from daemon_lab import Checks, Gateway, base_config, daemon_lab, gateway_netns, require_root

FORWARDS = 10000
# Where the kills land, as fractions of the CPU one whole apply takes.
KILL_POINTS = (0.05, 0.2, 0.4, 0.6, 0.75, 0.9)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def cpu_ticks(pid):
    """utime + stime of `pid` in clock ticks (the kernel's work on a batch
    the daemon sends counts as the daemon's system time)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def start_apply(g, argv):
    return subprocess.Popen(["ip", "netns", "exec", g.ns] + argv, env=g.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def apply_measured(g, argv):
    """Runs an apply; (its CompletedProcess-like result, the CPU ticks the
    daemon spent until gwctl had its answer; later work such as the
    reconcile that follows is not counted)."""
    start = cpu_ticks(g.proc.pid)
    client = start_apply(g, argv)
    ticks = 0
    while client.poll() is None:
        ticks = cpu_ticks(g.proc.pid) - start
        time.sleep(0.002)
    return subprocess.CompletedProcess(argv, client.wait(), "", ""), ticks


def kill_at_cpu(g, argv, ticks):
    """Starts an apply and SIGKILLs the daemon once it has spent `ticks` of
    CPU on it: a point inside the apply measured by the daemon's own work,
    not by the clock, so a busy machine moves it nowhere. True when the
    kill landed inside the apply: the daemon had worked on it and gwctl got
    no answer."""
    start = cpu_ticks(g.proc.pid)
    client = start_apply(g, argv)
    while client.poll() is None and (cpu_ticks(g.proc.pid) or 0) - start < ticks:
        time.sleep(0.002)
    worked = (cpu_ticks(g.proc.pid) or 0) - start
    g.stop(signal.SIGKILL)
    answered = client.wait(timeout=120) == 0
    return worked >= ticks and not answered


def kill_after_signal(g, signo, delay):
    g.send(signo)
    time.sleep(delay)
    g.stop(signal.SIGKILL)


def outcome_of(g, old, new):
    now = g.table_text()
    return "old" if now == old else "new" if now == new else None, now


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("SIGKILL during a large apply")
    with daemon_lab("k") as (lab, wd, bus):
        gw, _, _ = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        small = base_config()
        big = write(os.path.join(wd, "big.yaml"), base_config(extra_forwards=FORWARDS))
        g.write_config(small)
        t.check("gatewayd is ready", g.start(), g.log())
        old = g.table_text()
        started = time.monotonic()
        r, apply_ticks = apply_measured(g, [gwctl, "apply", big])
        took = time.monotonic() - started
        new = g.table_text()
        t.check(f"a whole apply of {FORWARDS} forwards works ({took:.1f} s, {apply_ticks} CPU ticks)",
                r.returncode == 0 and new.count(" : 172.16.1.") == FORWARDS + 1 and apply_ticks > 0,
                g.log()[-500:])
        g.gwctl_run("apply", g.config, timeout=300)
        seen = {"old": 0, "new": 0, "inside": 0}
        for fraction in KILL_POINTS:
            inside = kill_at_cpu(g, [gwctl, "apply", big], max(1, int(apply_ticks * fraction)))
            outcome, now = outcome_of(g, old, new)
            t.check(f"killed at {fraction:.0%} of an apply's CPU (inside it: {inside}): "
                    f"the {outcome or 'MIXED'} ruleset, whole",
                    outcome is not None, f"{now.count(' : 172.16.1.')} forwards in the kernel")
            seen["inside"] += inside
            if outcome:
                seen[outcome] += 1
            t.check("... and a restarted daemon converges on its file",
                    g.start(timeout=120) and g.wait_until(lambda: g.table_text() == old, 120), g.log()[-800:])
        print(f"outcomes of {len(KILL_POINTS)} kills: {seen}")
        t.check("the kills landed inside the apply (the daemon had worked on it, gwctl got no answer)",
                seen["inside"] >= len(KILL_POINTS) - 1, str(seen))
        t.check("... and a kill inside the apply left the old ruleset whole", seen["old"] >= 1, str(seen))

        g.write_config(open(big).read())
        g.stop(signal.SIGTERM)
        t.check("a restart with the large file converges on it",
                g.start(timeout=120) and g.table_text() == new, g.log()[-800:])
        g.write_config(small)
        kill_after_signal(g, signal.SIGHUP, took * 0.5)
        now = g.table_text()
        t.check("killed during a SIGHUP reload: old or new ruleset, whole", now in (old, new),
                f"{now.count(' : 172.16.1.')} forwards")
        t.check("... and the restart converges on the file",
                g.start(timeout=120) and g.wait_until(lambda: g.table_text() == old, 60), g.log()[-800:])
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
