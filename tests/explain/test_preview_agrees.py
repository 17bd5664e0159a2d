#!/usr/bin/env python3
"""The offline verbs agree with apply on every example, on this host: in a
fresh network namespace holding the links each example names (bridges
stand in for the Ethernet ports), `gwctl apply` is run for real, and
`gwctl check` (probing this kernel, as apply does) and `gwctl render` must
tell the same story — a file apply refuses at a line is reported by check
at that line (an error, or a warning where only the host's accounts
decide) and render exits 2 naming what it leaves out; a file apply takes
draws no error from check and renders with exit 0. For a named target
kernel the same files are previewed without applying (the vm tier applies
them under Debian's 6.12 and 6.1 kernels): the split of brouter.yaml is
refused for 6.1 and accepted for 6.12.

Usage: test_preview_agrees.py GWCTL EXAMPLES_DIR   (root)"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netns"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlab import Checks, Lab  # noqa: E402
from probes import require_root  # noqa: E402

EXAMPLES = ["home-router.yaml", "brouter.yaml", "egress.yaml", "coexistence.yaml"]


def devices(text):
    """Link names the example expects to exist (its bridge-split bridge is
    gatewayd's own to create)."""
    names = set(re.findall(r"^\s*(?:device|inside|outside):\s*([a-z][\w-]*)\s*$", text, re.M))
    return sorted(names - set(re.findall(r"^\s*bridge:\s*([a-z][\w-]*)\s*$", text, re.M)))


def locations(text, path):
    return set(re.findall(re.escape(path) + r":(\d+:\d+)", text))


def check_diags(lab, ns, gwctl, path, *opts):
    res = lab.run(ns, [gwctl, "check", "--json", *opts, path], check=False)
    report = json.loads(res.stdout)
    return res.returncode, {f"{d['line']}:{d['column']}": d["severity"] for d in report["diagnostics"]}


def one_example(t, lab, gwctl, path):
    name = os.path.basename(path)
    ns = lab.netns(name.split(".")[0][:6])
    for dev in devices(open(path).read()):
        lab.bridge(ns, dev)
    applied = lab.run(ns, [gwctl, "apply", path], check=False, timeout=60)
    rc, diags = check_diags(lab, ns, gwctl, path)
    render = lab.run(ns, [gwctl, "render", path], check=False)
    refused_at = locations(applied.stdout + applied.stderr, path)
    if applied.returncode == 0:
        t.check(f"{name}: apply takes it; check reports no error",
                "error" not in diags.values(), str(diags))
        t.check(f"{name}: apply takes it; render exits 0", render.returncode == 0, render.stderr)
        return
    t.check(f"{name}: apply refuses it at a line", bool(refused_at), applied.stdout + applied.stderr)
    for loc in sorted(refused_at):
        t.check(f"{name}: apply refuses at {loc}; check reports that line ({diags.get(loc)})", loc in diags,
                f"check said {diags}")
    t.check(f"{name}: render exits 2 too", render.returncode == 2, f"exit {render.returncode}")
    if "error" in [diags.get(loc) for loc in refused_at]:
        t.check(f"{name}: render says what it leaves out, at the line",
                refused_at <= locations(render.stdout + render.stderr, path), render.stderr)


def main():
    gwctl, examples = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    require_root()
    t = Checks("preview agrees with apply")
    lab = Lab("pa")
    try:
        for name in EXAMPLES:
            one_example(t, lab, gwctl, os.path.join(examples, name))
        brouter = os.path.join(examples, "brouter.yaml")
        rc, diags = check_diags(lab, None, gwctl, brouter, "--target-kernel", "6.1")
        t.check("brouter.yaml for 6.1: check refuses the split", rc == 2 and "error" in diags.values(), str(diags))
        rc, diags = check_diags(lab, None, gwctl, brouter, "--target-kernel", "6.12")
        t.check("brouter.yaml for 6.12: check accepts it", rc == 0, str(diags))
        res = lab.run(None, [gwctl, "render", "--kernel-features", "broute,bridge-ct", brouter], check=False)
        t.check("brouter.yaml for broute + bridge conntrack: render has the bridge table",
                res.returncode == 0 and "table bridge gatewayd" in res.stdout, res.stderr)
    finally:
        lab.close()
    t.finish()


if __name__ == "__main__":
    main()
