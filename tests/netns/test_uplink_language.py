#!/usr/bin/env python3
"""What the language says about uplinks, with real packets (root, real
kernel): the real gatewayd in a namespace on a private bus, a next-hop
uplink `v6plus` and a PPPoE uplink `isp` (the stand-in pppd: no PPP in this
kernel), whose tun relays into an "isp" namespace.

Checked, with `gwctl diff` empty after each step:
- a forward on `isp` answers on the PPPoE address only: a host on the ISP
  side that sends to a LAN host's private address on the forwarded port
  does not reach the forward's server (nor the LAN host), while the public
  address still does;
- `from: isp` in an input rule lets the gateway's own service in from the
  PPPoE link only: not from the v6plus side, not from the LAN;
- a managed link set down by hand comes back up; an interface with
  `enabled: false` is set down, and set down again when raised by hand;
- `enabled: false` on the PPPoE uplink stops its session (no pppd left, no
  ppp link, no redial) and sets its device down; `enabled: true` brings
  the session back and the forward works again.

Usage: test_uplink_language.py GATEWAYD GWCTL STANDIN_PPPD   (root)
"""
import json
import os
import signal
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Bus, Checks, Gateway, Lab, require_root, workdir  # noqa: E402
import standin  # noqa: E402
import test_coexistence as story  # noqa: E402
from test_coexistence import CLIENT, INTERNET, PEER, SERVER  # noqa: E402

PUBLIC = story.FIRST


def config(password_file, isp_enabled=True):
    return textwrap.dedent(f"""\
        version: 1
        interfaces:
          lan:
            device: lan0
            addresses: [172.16.2.1/16]
          v6p:
            device: v6p0
            addresses: [192.168.1.2/24]
          guest:
            device: gst0
            addresses: [192.168.77.1/24]
            enabled: false
        uplinks:
          v6plus:
            kind: next-hop
            device: v6p0
            gateway: 192.168.1.1
            default-route: true
          isp:
            kind: pppoe
            device: wan0
            username: user@isp.example
            password-file: {password_file}
            enabled: {"true" if isp_enabled else "false"}
        zones:
          lan:
            interfaces: [lan]
          wan:
            uplinks: [v6plus, isp]
        nat:
          masquerade:
            - from: lan
              to: wan
          forwards:
            - name: web
              port: 443
              to: {SERVER}
              uplink: isp
        firewall:
          input:
            rules:
              - name: ssh
                action: allow
                from: lan
                proto: tcp
                port: 22
              - name: svc-isp
                action: allow
                from: isp
                proto: tcp
                port: 2222
          forward:
            rules:
              - name: lan-out
                action: allow
                from: lan
                to: wan
        """)


class Topology(story.Topology):
    """The coexistence story's gateway, LAN and two uplinks, plus a guest
    port (kept down by `enabled: false`) and a listener on the client too,
    which a probe to a LAN host's private address must not reach."""

    def __init__(self, lab):
        super().__init__(lab)
        guest = lab.netns("guest")
        lab.veth(self.gw, "gst0", guest, "eth0")
        lab.tcp_server(self.client, 443)


def connect(lab, ns, address, port, source=""):
    """(peer seen by the server, server namespace), or None."""
    out = story.connect_from(lab, ns, source, address, port)
    return out if isinstance(out, tuple) and out else None


def link_up(lab, ns, name):
    res = lab.run(ns, ["ip", "-o", "link", "show", name], check=False)
    return res.returncode == 0 and ",UP" in res.stdout.split(">")[0]


def link_gone(lab, ns, name):
    return lab.run(ns, ["ip", "link", "show", name], check=False).returncode != 0


def in_sync(t, g, what):
    # A link that just went away reaches the daemon as an event and is
    # reconciled after its debounce; wait for that, not for a fixed time.
    g.wait_until(lambda: g.gwctl_run("diff").returncode == 0, 30)
    res = g.gwctl_run("diff")
    t.check(f"gwctl diff is empty {what}", res.returncode == 0, res.stdout[-1500:] + res.stderr[-500:])


def link_states(g):
    res = g.gwctl_run("status", "--json")
    status = json.loads(res.stdout) if res.returncode == 0 else {}
    return {e["name"]: e["state"] for e in status.get("uplinks", []) + status.get("interfaces", [])
            if e["name"] in ("isp", "guest")}


def isp_up(lab, g):
    return PUBLIC in " ".join(g.addresses("isp")) and "uplink_isp_addr4" in g.table_text() \
        and PUBLIC in g.nft("list set inet gatewayd uplink_isp_addr4").stdout


def forward_checks(t, lab, top, g):
    # The ISP side routes the LAN's private network to the gateway, as a
    # neighbour on a shared access network could.
    lab.ip(top.isp, f"route replace 172.16.0.0/16 via {PUBLIC}")
    t.check("the forward answers on the PPPoE address",
            connect(lab, top.isp, PUBLIC, 443, INTERNET) == (INTERNET, top.server))
    t.check("sent to a LAN host's private address on the forwarded port, it reaches no server",
            connect(lab, top.isp, CLIENT, 443, INTERNET) is None)
    t.check("... nor the server's own private address",
            connect(lab, top.isp, SERVER, 443, INTERNET) is None)
    rule = [ln for ln in g.table_text().splitlines() if "map @fwd4_via_isp" in ln and "gw:dnat" in ln]
    t.check("the DNAT rule matches the uplink's address set",
            len(rule) == 1 and "ip daddr @uplink_isp_addr4" in rule[0], "\n".join(rule))
    t.check("the public address still works after those attempts",
            connect(lab, top.isp, PUBLIC, 443, INTERNET) == (INTERNET, top.server))


def uplink_rule_checks(t, lab, top):
    t.check("`from: isp` lets the gateway's service in over PPPoE",
            connect(lab, top.isp, PUBLIC, 2222, INTERNET) == (INTERNET, top.gw))
    t.check("... and not from the v6plus side of the same zone",
            connect(lab, top.v6p, "192.168.1.2", 2222) is None)
    t.check("... nor from the LAN", connect(lab, top.client, "172.16.2.1", 2222) is None)


def link_checks(t, lab, top, g):
    t.check("the interface with `enabled: false` is down", not link_up(lab, top.gw, "gst0"))
    lab.ip(top.gw, "link set lan0 down")
    t.check("a managed link set down by hand comes back up",
            g.wait_until(lambda: link_up(lab, top.gw, "lan0"), 30), g.log()[-1500:])
    lab.ip(top.gw, "link set gst0 up")
    t.check("a disabled interface raised by hand is set down again",
            g.wait_until(lambda: not link_up(lab, top.gw, "gst0"), 30), g.log()[-1500:])
    in_sync(t, g, "after the links were touched by hand")


def disable_checks(t, lab, top, g, pppoe, password):
    starts = pppoe.starts()
    g.write_config(config(password, isp_enabled=False))
    g.send(signal.SIGHUP)
    stopped = g.wait_until(lambda: not pppoe.pids() and link_gone(lab, top.gw, "isp")
                           and not link_up(lab, top.gw, "wan0"), 30)
    t.check("`enabled: false` stops the PPPoE session and sets its device down", stopped,
            g.log()[-2000:])
    in_sync(t, g, "with the uplink disabled")
    t.check("status says the uplink and the interface are disabled",
            link_states(g) == {"isp": "disabled", "guest": "disabled"}, str(link_states(g)))
    t.check("... and no redial was made", pppoe.starts() == starts and not pppoe.pids(),
            f"{starts} -> {pppoe.starts()}")
    t.check("the forward is gone with the session",
            connect(lab, top.isp, PUBLIC, 443, INTERNET) is None)
    g.write_config(config(password))
    g.send(signal.SIGHUP)
    t.check("`enabled: true` brings the session back", g.wait_until(lambda: isp_up(lab, g), 30),
            g.log()[-2000:])
    t.check("the forward works again on the PPPoE address",
            connect(lab, top.isp, PUBLIC, 443, INTERNET) == (INTERNET, top.server))
    in_sync(t, g, "after the uplink came back")


def main():
    gatewayd, gwctl, standin_exe = sys.argv[1:4]
    require_root()
    t = Checks("uplinks in the language: forwards, rules, links")
    lab = Lab("ul")
    wd = workdir()
    bus = Bus(wd)
    try:
        top = Topology(lab)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        password = standin.password_file(os.path.join(wd, "isp.password"), "not-a-real-secret")
        g.write_config(config(password))
        pppoe = standin.Standin(wd, standin_exe, peer=PEER, peer_netns=top.isp)
        pppoe.configure(PUBLIC)
        ready = pppoe.start(g)
        t.check("gatewayd is ready", ready, g.log()[-2000:])
        up = ready and g.wait_until(lambda: isp_up(lab, g), 30)
        t.check(f"PPPoE comes up with {PUBLIC}", up, g.log()[-2000:])
        if up:
            in_sync(t, g, "with PPPoE up")
            forward_checks(t, lab, top, g)
            uplink_rule_checks(t, lab, top)
            link_checks(t, lab, top, g)
            disable_checks(t, lab, top, g, pppoe, password)
        t.check("the daemon is still running", g.proc.poll() is None, g.log()[-1500:])
        g.stop()
    finally:
        lab.close()
        bus.close()
    t.finish()


if __name__ == "__main__":
    main()
