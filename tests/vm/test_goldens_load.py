#!/usr/bin/env python3
"""Every golden ruleset loads on Debian's own kernel (runs inside the vm
guest through run_in_vm.py). The host kernel (6.18) accepts rulesets that
6.12 refuses as a whole batch, e.g. a lookup into a concatenated interval
set with a 1-byte `meta l4proto` part, so the host tier alone cannot tell.

- each tests/golden/*/expected.nft with `nft -f` into a fresh netns (those
  with `meta broute` are left out and named: Debian 12's nft 1.0.6 cannot
  parse it; tests/vm/test_broute.py loads that path through libnftnl);
- `gwctl apply` (no daemon: direct mode) of examples/home-router.yaml in
  the gateway namespace of the home-router lab;
- packets through port forwards (single ports, a port range, a forward
  limited by source): tests/nft/test_packets.py, run as it is on the host.

Usage (guest): test_goldens_load.py GWCTL RENDER_CASE GOLDEN_DIR EXAMPLES_DIR
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NETNS = os.path.join(HERE, "..", "netns")
sys.path.insert(0, NETNS)
from home_router_lab import HomeRouterLab  # noqa: E402
from netlab import Checks, Lab  # noqa: E402

# What this nft cannot parse, and why the case is left out.
UNPARSABLE = {"meta broute": "nft 1.0.6 cannot parse `meta broute` (nftables >= 1.0.8)"}


def goldens(golden_dir):
    """(case name, expected.nft path), sorted by name."""
    out = []
    for name in sorted(os.listdir(golden_dir)):
        path = os.path.join(golden_dir, name, "expected.nft")
        if os.path.isfile(path):
            out.append((name, path))
    return out


def flowtable_links(lab, ns, text):
    """A flowtable only takes links that exist: make its devices (veth
    pairs, the peer named with a trailing "p")."""
    for devices in re.findall(r"devices = \{ ([^}]*) \}", text):
        for dev in devices.split(", "):
            lab.ip(ns, f"link add {dev} type veth peer name {dev[:14]}p")


def load_goldens(t, golden_dir):
    lab = Lab("gl")
    try:
        cases = goldens(golden_dir)
        t.check("golden cases found", len(cases) > 0, golden_dir)
        for name, path in cases:
            text = open(path).read()
            why = [reason for needle, reason in UNPARSABLE.items() if needle in text]
            if why:
                t.skip(f"golden {name}", why[0])
                continue
            ns = lab.netns(f"g{len(lab.namespaces)}")
            flowtable_links(lab, ns, text)
            res = lab.run(ns, ["nft", "-f", path], check=False, timeout=120)
            t.check(f"golden {name} loads with nft -f", res.returncode == 0,
                    (res.stdout + res.stderr)[-1500:])
            # One namespace at a time: the guest has little memory to spare.
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            lab.namespaces.remove(ns)
    finally:
        lab.close()


def apply_home_router(t, gwctl, example):
    hr = HomeRouterLab("ha")
    try:
        res = hr.lab.run(hr.gw, [gwctl, "apply", example], check=False, timeout=300)
        t.check("gwctl apply examples/home-router.yaml (direct mode)", res.returncode == 0,
                (res.stdout + res.stderr)[-1500:])
        if res.returncode == 0:
            res = hr.lab.run(hr.gw, [gwctl, "diff", example], check=False, timeout=300)
            t.check("gwctl diff after apply: nothing to change", res.returncode == 0,
                    (res.stdout + res.stderr)[-1500:])
    finally:
        hr.close()


def forward_packets(t, render_case):
    script = os.path.join(HERE, "..", "nft", "test_packets.py")
    packets = os.path.join(HERE, "..", "nft", "packets.yaml")
    env = dict(os.environ, PYTHONPATH=NETNS, PYTHONDONTWRITEBYTECODE="1")
    res = subprocess.run([sys.executable, script, render_case, packets], capture_output=True, text=True,
                         env=env, timeout=600)
    print(res.stdout, end="")
    t.check("packets through the port forwards (tests/nft/test_packets.py)", res.returncode == 0,
            res.stderr[-1500:])


def main():
    gwctl, render_case, golden_dir, examples_dir = sys.argv[1:5]
    if os.geteuid() != 0:
        print("skipping: needs root (network namespaces)")
        sys.exit(77)
    if not os.path.exists("/run/gw-vm"):
        print("run this inside the vm guest: tests/vm/run_in_vm.py -- " + sys.argv[0])
        sys.exit(2)
    print("kernel", os.uname().release)
    t = Checks("goldens load on this kernel")
    load_goldens(t, golden_dir)
    apply_home_router(t, gwctl, os.path.join(examples_dir, "home-router.yaml"))
    forward_packets(t, render_case)
    t.finish()


if __name__ == "__main__":
    main()
