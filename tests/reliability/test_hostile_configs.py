#!/usr/bin/env python3
"""Hostile configs (tests/reliability/hostile_cases.py, over 300 of them):
`gwctl check` refuses each with exit 2, at FILE:line:col when the file was
read, within a 1 GiB address-space limit and a generous time bound, never
dying of a signal; as root, `gwctl apply` of each (direct mode, in a
network namespace holding a good config) is refused and leaves the
ruleset and the netlink state byte-identical. Prints the case count, the
largest peak RSS and the slowest case.

Usage: test_hostile_configs.py GWCTL   (the apply half needs root)
"""
import os
import re
import resource
import subprocess
import sys
import time

from harness import NO_BUS
from daemon_lab import Checks, Lab, base_config, gateway_netns, workdir
from hostile_cases import cases, materialize
from kernel_state import snapshot, wait_settled

LIMIT_BYTES = 1 << 30
HANG_GUARD_S = 120  # not a timing check: only what "hangs" means here


def bounded(uid=None):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
        if uid is not None and os.geteuid() == 0:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    return limit


def run(argv, uid=None):
    """(returncode, stderr+stdout, seconds); returncode < 0 is a signal."""
    started = time.monotonic()
    try:
        res = subprocess.run(argv, capture_output=True, timeout=HANG_GUARD_S, preexec_fn=bounded(uid),
                             env=dict(os.environ, **NO_BUS))
    except subprocess.TimeoutExpired:
        return None, b"(hung)", time.monotonic() - started
    return res.returncode, res.stderr + res.stdout, time.monotonic() - started


def check_refusals(t, gwctl, items):
    peak_kib, peak_case, slowest, slowest_case = 0, "", 0.0, ""
    for name, path, case in items:
        rc, out, took = run([gwctl, "check", path], uid=case.as_uid)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if rss > peak_kib:
            peak_kib, peak_case = rss, name
        if took > slowest:
            slowest, slowest_case = took, name
        text = out.decode(errors="replace")
        where = re.search(re.escape(path) + r":\d+:\d+: error: ", text)
        ok = rc == 2 and (where is not None or not case.located)
        t.check(f"check refuses {name}", ok, f"rc={rc} {text[:300]!r}")
    print(f"figures: {len(items)} cases; largest peak RSS {peak_kib // 1024} MiB ({peak_case}); "
          f"slowest {slowest:.2f} s ({slowest_case})")


def check_applies(t, gwctl, items, wd):
    lab = Lab("h")
    try:
        gw, _, _ = gateway_netns(lab)
        good = os.path.join(wd, "good.yaml")
        with open(good, "w") as f:
            f.write(base_config())
        res = lab.run(gw, [gwctl, "apply", good], check=False, env=dict(os.environ, **NO_BUS), timeout=120)
        t.check("a good config applies directly", res.returncode == 0, res.stderr)
        wait_settled(lab, gw)
        before = snapshot(lab, gw)
        changed = []
        for name, path, case in items:
            if case.as_uid is not None:
                continue  # apply needs root, and root can read the file
            rc, out, _ = run(["ip", "netns", "exec", gw, gwctl, "apply", path])
            if rc != 2:
                t.check(f"apply refuses {name}", False, f"rc={rc} {out[:300]!r}")
            if snapshot(lab, gw) != before:
                changed.append(name)
        applied = sum(1 for _, _, c in items if c.as_uid is None)
        t.check(f"{applied} refused applies left ruleset and netlink state byte-identical", not changed,
                f"changed by: {changed[:5]}")
    finally:
        lab.close()


def main():
    gwctl = sys.argv[1]
    t = Checks("hostile configs")
    wd = workdir()
    os.chmod(wd, 0o755)
    items = []
    for i, case in enumerate(cases(wd)):
        items.append((case.name, materialize(case, wd, i), case))
        case.data = None  # on disk now; a forked child would count it in its peak RSS
    t.check(f"at least 300 generated cases ({len(items)})", len(items) >= 300)
    check_refusals(t, gwctl, items)
    if os.geteuid() != 0:
        t.skip("apply of every case over a good config", "needs root (network namespace, nftables)")
    else:
        check_applies(t, gwctl, items, wd)
    t.finish()


if __name__ == "__main__":
    main()
