#!/usr/bin/env python3
"""Tampering: gatewayd's table flushed by hand, and deleted by hand, again
and again while the daemon runs; each time the ruleset comes back whole.
Restore times (min / median / max, measured from the tamper command's
return to the ruleset being whole again) are printed against the goal of
1 s; only "it came back" is asserted. Lean count here; bench/soak.sh runs
20 of each.

Usage: test_tamper.py GATEWAYD GWCTL   (root)
"""
import sys
import time

from harness import gateway, percentiles, rounds
from daemon_lab import Checks, require_root


def restore_times(t, g, command, count, whole):
    times = []
    for i in range(count):
        r = g.nft(command)
        started = time.monotonic()
        if r.returncode != 0:
            t.check(f"nft {command}", False, r.stderr)
            break
        if not g.wait_until(lambda: g.table_text() == whole, timeout=60, step=0.005):
            t.check(f"after `nft {command}` #{i + 1} the ruleset comes back", False, g.log()[-500:])
            break
        times.append(time.monotonic() - started)
    t.check(f"`nft {command}` {count} times: restored every time", len(times) == count)
    if times:
        lo, mid, hi = percentiles(times)
        print(f"figures: {command}: restore min {lo * 1000:.0f} ms, median {mid * 1000:.0f} ms, "
              f"max {hi * 1000:.0f} ms over {len(times)} (goal <= 1000 ms)")


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    count = rounds(5, 20)
    t = Checks("tampering with gatewayd's table")
    with gateway("t", gatewayd, gwctl) as (g, _, _, _):
        t.check("gatewayd is ready", g.start(), g.log())
        whole = g.table_text()
        t.check("the ruleset is in place", "tcp . 443 " in whole, whole[:300])
        restore_times(t, g, "flush table inet gatewayd", count, whole)
        restore_times(t, g, "delete table inet gatewayd", count, whole)
        d = g.gwctl_run("diff")
        t.check("gwctl diff is empty afterwards", d.returncode == 0 and not d.stdout, d.stdout + d.stderr)
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
