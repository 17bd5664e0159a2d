#!/usr/bin/env python3
"""gatewayd's D-Bus face under hostile callers (root, real kernel, a bus
that lets anyone call anything, so only the daemon's own checks stand):
every mutating method refused to a non-root caller with nothing changed;
hostile arguments (10 MB strings, wrong types, a FIFO, /dev/zero, a
directory, a file that is not a config, an absurd confirm time) answered
with an error while the daemon stays alive and its loop keeps running (it
answers State at once and repairs a deleted table); `gwctl reload` when
the config file was replaced by a FIFO is refused, not frozen on.

Usage: test_dbus_hostile.py GATEWAYD GWCTL BUS_CALL   (root)
"""
import os
import signal
import subprocess
import sys
import time

from harness import gateway
from daemon_lab import NOBODY, Checks, base_config, require_root

OBJ = ("net.gatewayd.Gateway1", "/net/gatewayd/Gateway1", "net.gatewayd.Gateway1")


def call(g, bus_call, method, signature, *args, uid=None):
    argv = [bus_call, method, signature] + list(args)
    if uid is not None:
        argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] + argv
    res = subprocess.run(argv, capture_output=True, text=True, timeout=180, env=g.env())
    return res.stdout.strip() or res.stderr.strip()


def alive(g):
    """The daemon answers at once (the loop is not stuck) and is running."""
    r = g.busctl("--timeout=10", "get-property", *OBJ, "State")
    return g.proc.poll() is None and r.returncode == 0


def non_root_checks(t, g, bus_call, good):
    before = g.table_text()
    for method, sig, args in [("Apply", "sbu", (good, "true", "0")), ("Apply", "sbu", (open(good).read(), "false", "0")),
                              ("Confirm", "", ()), ("Reload", "", ()), ("Diff", "sb", (good, "true")),
                              ("Check", "sb", ("/etc/shadow", "true"))]:
        out = call(g, bus_call, method, sig, *args, uid=NOBODY)
        t.check(f"non-root {method}({sig}) refused", out.startswith("error") and "AccessDenied" in out, out[:200])
    t.check("... and nothing changed", g.table_text() == before)


def hostile_checks(t, g, bus_call, wd):
    big = os.path.join(wd, "ten-mb")
    with open(big, "w") as f:
        f.write("# " + "x" * (10 << 20) + "\n")
    fifo = os.path.join(wd, "fifo")
    os.mkfifo(fifo)
    not_config = os.path.join(wd, "shadow-like")
    with open(not_config, "w") as f:
        f.write("root:$6$SECRETSALT$SECRETHASHnevershown:19000:0:99999:7:::\n")
    os.chmod(not_config, 0o600)
    cases = [
        ("Apply of a 10 MB string", "Apply", "sbu", ("@" + big, "false", "0")),
        ("Check of a 10 MB string", "Check", "sb", ("@" + big, "false")),
        ("Diff of a 10 MB string", "Diff", "sb", ("@" + big, "false")),
        ("Apply of a 10 MB path", "Apply", "sbu", ("@" + big, "true", "0")),
        ("Check of a FIFO", "Check", "sb", (fifo, "true")),
        ("Apply of a FIFO", "Apply", "sbu", (fifo, "true", "0")),
        ("Diff of a FIFO", "Diff", "sb", (fifo, "true")),
        ("Apply of /dev/zero", "Apply", "sbu", ("/dev/zero", "true", "0")),
        ("Check of /dev/zero", "Check", "sb", ("/dev/zero", "true")),
        ("Apply of /dev/urandom", "Apply", "sbu", ("/dev/urandom", "true", "0")),
        ("Apply of a directory", "Apply", "sbu", (wd, "true", "0")),
        ("Apply of a missing path", "Apply", "sbu", (os.path.join(wd, "nope"), "true", "0")),
        ("Apply of a relative path", "Apply", "sbu", ("../../etc/passwd", "true", "0")),
        ("Apply of a file that is not a config", "Apply", "sbu", (not_config, "true", "0")),
        ("Apply with wrong types (s only)", "Apply", "s", ("version: 1",)),
        ("Apply with wrong types (u b s)", "Apply", "ubs", ("1", "true", "x")),
        ("Check with a missing argument", "Check", "s", ("version: 1",)),
        ("Confirm with an argument", "Confirm", "s", ("x",)),
        ("an unknown method", "Explode", "s", ("x",)),
        ("Apply with a 136-year confirm", "Apply", "sbu", (g.config, "true", "4294967295")),
        ("Apply of invalid UTF-8 by path", "Apply", "sbu", (os.path.join(wd, "bad-utf8.yaml"), "true", "0")),
    ]
    with open(os.path.join(wd, "bad-utf8.yaml"), "wb") as f:
        f.write(base_config().encode() + b"# caf\xe9\n")
    before = g.table_text()
    for what, method, sig, args in cases:
        started = time.monotonic()
        out = call(g, bus_call, method, sig, *args)
        took = time.monotonic() - started
        refused = out.startswith("error") or (method == "Check" and out.startswith("ok bs false"))
        t.check(f"{what}: refused, daemon alive ({took:.2f} s)", refused and alive(g), out[:300])
        if "SECRETHASH" in out:
            t.check(f"{what}: the file's content is not quoted back", False, out[:300])
    t.check("... and the ruleset is as it was", g.table_text() == before)


def fifo_reload_checks(t, g):
    original = open(g.config).read()
    os.rename(g.config, g.config + ".saved")
    os.mkfifo(g.config)
    try:
        r = g.gwctl_run("reload", timeout=60)
        t.check("gwctl reload with a FIFO in the config's place: refused", r.returncode == 2, r.stdout + r.stderr)
        t.check("... the daemon answers State", alive(g))
        g.nft("delete table inet gatewayd")
        t.check("... and its loop still repairs a deleted table",
                g.wait_until(lambda: "gatewayd" in g.table_text(), 60), g.log()[-500:])
    finally:
        os.unlink(g.config)
        os.rename(g.config + ".saved", g.config)
    t.check("the config file back in place: gwctl diff is empty", g.gwctl_run("diff").returncode == 0 and original)


def main():
    gatewayd, gwctl, bus_call = sys.argv[1:4]
    require_root()
    t = Checks("D-Bus hostile callers")
    with gateway("b", gatewayd, gwctl) as (g, _, _, wd):
        good = os.path.join(wd, "other.yaml")
        with open(good, "w") as f:
            f.write(base_config(port=8443))
        os.chmod(good, 0o644)
        t.check("gatewayd is ready", g.start(), g.log())
        non_root_checks(t, g, bus_call, good)
        hostile_checks(t, g, bus_call, wd)
        fifo_reload_checks(t, g)
        t.check("the daemon ends cleanly on SIGTERM", g.stop(signal.SIGTERM) == 0, g.log()[-500:])
    t.finish()


if __name__ == "__main__":
    main()
