#!/usr/bin/env python3
"""The running daemon keeps the kernel equal to its config when someone
else changes it (root, real kernel): gatewayd's table flushed or deleted by
hand, a link deleted and re-created, a stray address on a managed link,
and the uplink's address changing (followed by a set-element update, not a
table rebuild). Each repair must come from the daemon's event handling,
so the test only changes the kernel and waits.

Usage: test_daemon_drift.py GATEWAYD GWCTL   (root)
"""
import json
import re
import sys

from daemon_lab import Checks, Gateway, base_config, daemon_lab, gateway_netns, require_root


def table_handle(g):
    out = g.nft("-a list tables").stdout
    m = re.search(r"table inet gatewayd # handle (\d+)", out)
    return m.group(1) if m else None


def nft_checks(t, g, wanted):
    g.nft("flush table inet gatewayd")
    t.check("`nft flush table inet gatewayd` by hand is repaired",
            g.wait_until(lambda: g.table_text() == wanted), g.table_text()[:300])
    g.nft("delete table inet gatewayd")
    t.check("`nft delete table inet gatewayd` by hand is repaired",
            g.wait_until(lambda: g.table_text() == wanted), g.log()[-1500:])
    g.nft("add table inet other")
    g.nft("add chain inet other c")
    # A repair proves a reconcile ran while the other table was there.
    g.nft("flush table inet gatewayd")
    repaired = g.wait_until(lambda: g.table_text() == wanted)
    other = g.nft("list table inet other")
    t.check("another tool's table is left alone by a reconcile that repaired gatewayd's",
            repaired and other.returncode == 0 and "chain c" in other.stdout,
            f"repaired {repaired}, other table: {other.stdout}{other.stderr}")


def interface_state(g, device):
    """The state gwctl status --json gives the interface on `device`."""
    res = g.gwctl_run("status", "--json")
    if res.returncode != 0:
        return None
    found = [i.get("state") for i in json.loads(res.stdout).get("interfaces", []) if i.get("device") == device]
    return found[0] if found else None


def link_checks(t, g, lab):
    lab.ip(g.ns, "link del lan0")
    t.check("a deleted link is seen: status shows it absent",
            g.wait_until(lambda: interface_state(g, "lan0") == "absent"), str(interface_state(g, "lan0")))
    lab.ip(g.ns, "link add lan0 type veth peer name lanpeer")
    ok = g.wait_until(lambda: g.addresses("lan0")[:1] == ["172.16.2.1/16"]
                      and "UP" in lab.run(g.ns, ["ip", "link", "show", "lan0"]).stdout.split(">")[0])
    t.check("a re-created link is brought up and gets its address back", ok,
            lab.run(g.ns, ["ip", "addr", "show", "lan0"]).stdout)
    lab.ip(g.ns, "addr add 172.16.9.9/16 dev lan0")
    t.check("a stray address on a managed link is removed",
            g.wait_until(lambda: "172.16.9.9/16" not in g.addresses("lan0")), str(g.addresses("lan0")))


def uplink_checks(t, g, lab):
    handle = table_handle(g)
    lab.ip(g.ns, "addr del 192.0.2.2/24 dev wan0")
    lab.ip(g.ns, "addr add 192.0.2.3/24 dev wan0")
    hairpin = lambda: g.nft("list set inet gatewayd uplink_addr4").stdout  # noqa: E731
    ok = g.wait_until(lambda: "192.0.2.3" in hairpin() and "192.0.2.2" not in hairpin())
    t.check("the uplink's new address replaces the old one in the hairpin set", ok, hairpin())
    t.check("... by an element update: the table was not rebuilt", table_handle(g) == handle,
            f"handle {handle} -> {table_handle(g)}")
    routes = lambda: lab.run(g.ns, ["ip", "route", "show", "default"]).stdout  # noqa: E731
    t.check("the default route, lost with the old address, is back",
            g.wait_until(lambda: "via 192.0.2.1" in routes()), routes())
    js = json.loads(g.gwctl_run("status", "--json").stdout or "{}")
    up = (js.get("uplinks") or [{}])[0]
    t.check("status shows the uplink's new address", up.get("addresses") == ["192.0.2.3"], str(up))


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("gatewayd repairs drift")
    with daemon_lab("r") as (lab, wd, bus):
        gw, _, _ = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        g.write_config(base_config())
        t.check("gatewayd is ready", g.start(), g.log())
        wanted = g.table_text()
        nft_checks(t, g, wanted)
        link_checks(t, g, lab)
        uplink_checks(t, g, lab)
        t.check("the daemon is still running and in sync",
                g.proc.poll() is None and g.gwctl_run("diff").returncode == 0, g.log()[-1500:])
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
