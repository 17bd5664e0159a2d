#!/usr/bin/env python3
"""Atomic or nothing, netlink too, end to end: `gwctl apply` in direct mode
of a config whose second interface route has a gateway that cannot be
reached (the kernel answers ENETUNREACH after the new address and the
first route went in) fails with exit 2, says what it undid, and leaves
links, addresses, routes, rules and sysctls byte-identical; with the
route fixed, the same config applies.

Usage: test_atomic_apply.py GATEWAYD GWCTL   (root)
"""
import os
import sys

from harness import NO_BUS, gateway
from daemon_lab import Checks, base_config, require_root
from kernel_state import snapshot, wait_settled


def with_routes(unreachable):
    text = base_config(lan="172.16.3.1/16")
    routes = ["        - {to: 10.9.0.0/16, via: 172.16.3.254}"]
    if unreachable:
        routes.append("        - {to: 10.8.0.0/16, via: 192.168.77.1}")
    return text.replace("    addresses: [172.16.3.1/16]\n",
                        "    addresses: [172.16.3.1/16]\n    routes:\n" + "\n".join(routes) + "\n")


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("atomic apply, netlink too")
    with gateway("a", gatewayd, gwctl) as (g, _, _, wd):
        env = dict(g.env(), **NO_BUS)

        def apply(text, name):
            path = os.path.join(wd, name)
            with open(path, "w") as f:
                f.write(text)
            return g.lab.run(g.ns, [gwctl, "apply", path], check=False, env=env, timeout=120)

        r = apply(base_config(), "good.yaml")
        t.check("a good config applies directly", r.returncode == 0, r.stderr)
        wait_settled(g.lab, g.ns)
        before = snapshot(g.lab, g.ns, nft=False)
        r = apply(with_routes(unreachable=True), "bad.yaml")
        t.check("a route with an unreachable gateway fails the apply (exit 2)", r.returncode == 2, r.stdout + r.stderr)
        t.check("... saying what it undid", "earlier netlink changes undone" in r.stderr, r.stderr)
        wait_settled(g.lab, g.ns)
        after = snapshot(g.lab, g.ns, nft=False)
        t.check("... and links, addresses, routes, rules and sysctls are as they were", after == before,
                "\n".join(line for line in after.splitlines() if line not in before.splitlines())[:500])
        r = apply(with_routes(unreachable=False), "fixed.yaml")
        t.check("with the route fixed the config applies", r.returncode == 0, r.stderr)
        t.check("... and the new address and route are there", "172.16.3.1/16" in g.addresses("lan0")
                and "10.9.0.0/16 via 172.16.3.254" in g.lab.run(g.ns, ["ip", "route"]).stdout)
    t.finish()


if __name__ == "__main__":
    main()
