#!/usr/bin/env python3
"""A big change: `gwctl diff` and `gwctl apply` of a 10,000-forward config
over a kernel holding a 10-forward ruleset, against the same config over
an empty kernel and over an identical one (the reference: what the size
of the config alone costs). Prints wall time and peak RSS of each and the
ratio big-change / empty. Both must stay within a small factor: the diff
is linear in the size of both sides (it was quadratic: 3.1 GB of RSS).

Also: `gwctl check` of N invalid rules for N = 5,000 .. 40,000 (time,
peak RSS, output size; the ratio per doubling of N should stay near 2).

Usage: bench/big_change.py BUILD_DIR   (root, for the kernel half)"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from apply_vs_nft import Netns, measure  # noqa: E402

NO_BUS = {"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/gatewayd-bench-bus"}


def forwards_config(workdir, n):
    path = os.path.join(workdir, f"fwd{n}.yaml")
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_forwards.py"), str(n)], stdout=f, check=True)
    return path


def diff_measure(argv):
    """gwctl diff exits 1 when there are changes: measure() wants 0."""
    return measure(["sh", "-c", " ".join(argv) + " >/dev/null; [ $? -le 1 ]"])


def kernel_half(gwctl, workdir):
    small, big = forwards_config(workdir, 10), forwards_config(workdir, 10000)
    os.environ.update(NO_BUS)
    rows = []
    for label, before in (("over an empty kernel", None), ("over 10 forwards", small), ("over itself", big)):
        for verb in ("diff", "apply"):
            ns = Netns(f"gwbig{os.getpid() % 10000}")
            try:
                if before:
                    subprocess.run(ns.exec([gwctl, "apply", before]), check=True, capture_output=True)
                argv = ns.exec([gwctl, verb, big])
                secs, kib = diff_measure(argv) if verb == "diff" else measure(argv)
                rows.append((verb, label, secs, kib))
            finally:
                ns.close()
    print(f"{'verb':6} {'10,000 forwards':22} {'s':>7} {'MiB':>7} {'x empty (time, RSS)':>20}")
    ref = {verb: (s, k) for verb, label, s, k in rows if label == "over an empty kernel"}
    for verb, label, secs, kib in rows:
        rs, rk = ref[verb]
        print(f"{verb:6} {label:22} {secs:7.2f} {kib / 1024:7.1f} {secs / rs:9.2f} {kib / rk:9.2f}")


def diagnostics_half(gwctl, workdir):
    print(f"\n{'invalid rules':>13} {'s':>7} {'MiB':>7} {'output KiB':>11} {'time x prev':>12}")
    prev = None
    for n in (5000, 10000, 20000, 40000):
        path = os.path.join(workdir, f"bad{n}.yaml")
        with open(path, "w") as f:
            f.write("version: 1\nfirewall:\n  input:\n    rules:\n")
            for i in range(n):
                f.write(f"      - {{name: r{i}, action: nope, port: 99999}}\n")
        out = os.path.join(workdir, "out.txt")
        secs, kib = measure(["sh", "-c", f"{gwctl} check {path} >{out} 2>&1; [ $? -eq 2 ]"])
        size = os.path.getsize(out) / 1024
        ratio = f"{secs / prev:.2f}" if prev else "-"
        print(f"{n:13} {secs:7.2f} {kib / 1024:7.1f} {size:11.1f} {ratio:>12}")
        prev = secs


def main():
    build = sys.argv[1]
    gwctl = os.path.abspath(os.path.join(build, "ctl", "gwctl"))
    with tempfile.TemporaryDirectory(prefix="gw-big-") as workdir:
        if os.geteuid() == 0:
            kernel_half(gwctl, workdir)
        else:
            print("kernel half skipped: needs root")
        diagnostics_half(gwctl, workdir)


if __name__ == "__main__":
    main()
