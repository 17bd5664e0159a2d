#!/usr/bin/env python3
"""PPPoE supervision through the real gatewayd (root, real kernel, host
tier): the daemon runs the stand-in pppd (`--pppd`), which brings up a tun
link named after the uplink as pppd would bring up ppp0. Covered: the
session comes up and status shows address, peer and DNS; default route,
hairpin set and MSS clamping follow the address; carrier loss -> retrying
-> a new address, with the old one in the history; failed starts retried
with back-off; hooks get their environment and a hanging hook is killed;
stopping while retrying (config change) and daemon SIGTERM/SIGKILL leave no
pppd; the password reaches pppd through its descriptor only; an address
change without a reconnect (SIGUSR1 to the stand-in) is followed too.

Usage: test_pppoe_supervision.py GATEWAYD GWCTL STANDIN_PPPD   (root)
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Checks, Gateway, daemon_lab, gateway_netns, require_root  # noqa: E402
from standin import Standin, password_file  # noqa: E402

PASSWORD = "pw-Zq8!never-shown"


def config(wd, with_isp=True, on_up=None, hook_timeout=10):
    on_up = on_up or f"env > {wd}/up.env"
    isp = f"""  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: {wd}/isp.password
    default-route: true
    resolv-conf: {wd}/resolv.conf
    on-up: "{on_up}"
    on-down: "env > {wd}/down.env"
    hook-timeout: {hook_timeout}
""" if with_isp else ""
    office = """  office:
    kind: next-hop
    device: wan0
    gateway: 192.0.2.1
    metric: 500
"""
    return f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
{isp}{office}zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [{"isp, office" if with_isp else "office"}]
nat:
  masquerade:
    - from: lan
      to: wan
  forwards:
    - name: https
      proto: tcp
      port: 443
      to: 172.16.1.100
"""


def new_standin(wd, exe):
    """The stand-in for link `isp`: peer 100.64.0.1, two DNS servers, a
    short "negotiation"; each test step picks the address."""
    return Standin(wd, exe, peer="100.64.0.1", dns=["192.0.2.53", "198.51.100.53"], up_delay_ms=100)


def status(g):
    """gwctl status --json, or None when gwctl failed (a failure must not
    read as an empty status)."""
    res = g.gwctl_run("status", "--json")
    try:
        return json.loads(res.stdout) if res.returncode == 0 else None
    except ValueError:
        return None


def uplink_names(g):
    """The uplinks status lists, or None when gwctl status failed."""
    st = status(g)
    return None if st is None else [u.get("name") for u in st.get("uplinks", [])]


def session(g):
    for u in (status(g) or {}).get("uplinks", []):
        if u.get("name") == "isp":
            return u.get("session") or {}
    return {}


def wait_session(g, pred, timeout=60.0):
    return g.wait_until(lambda: pred(session(g)), timeout, 0.1)


def hairpin(g):
    return g.nft("list set inet gatewayd uplink_addr4").stdout


def default_routes(g, lab):
    return lab.run(g.ns, ["ip", "route", "show", "default"]).stdout


def read_env(path):
    try:
        return dict(line.split("=", 1) for line in open(path).read().splitlines() if "=" in line)
    except FileNotFoundError:
        return {}


def up_checks(t, g, lab, sd, wd):
    ok = wait_session(g, lambda s: s.get("state") == "up" and s.get("address") == "100.64.0.2")
    s = session(g)
    t.check("the session comes up with the stand-in's address", ok, g.log()[-2000:])
    t.check("status shows the peer and the DNS servers from pppd's output",
            s.get("peer") == "100.64.0.1" and s.get("dns") == ["192.0.2.53", "198.51.100.53"], str(s))
    text = g.gwctl_run("status").stdout
    t.check("gwctl status prints the session", "isp: up since" in text and "peer 100.64.0.1" in text, text)
    t.check("the default route goes through the PPPoE link",
            g.wait_until(lambda: "dev isp" in default_routes(g, lab)), default_routes(g, lab))
    t.check("the hairpin set holds the address", g.wait_until(lambda: "100.64.0.2" in hairpin(g)), hairpin(g))
    uplink_ifs = g.nft("list set inet gatewayd uplink_if").stdout
    table = g.table_text()
    t.check("MSS clamping covers the PPPoE link",
            '"isp"' in uplink_ifs and "tcp option maxseg size set rt mtu" in table, uplink_ifs)
    env = {}
    g.wait_until(lambda: read_env(f"{wd}/up.env").get("ADDRESS"))
    env = read_env(f"{wd}/up.env")
    wanted = {"UPLINK": "isp", "IFACE": "isp", "ADDRESS": "100.64.0.2", "PEER": "100.64.0.1",
              "DNS": "192.0.2.53 198.51.100.53"}
    t.check("on-up gets UPLINK, IFACE, ADDRESS, PEER and DNS",
            all(env.get(k) == v for k, v in wanted.items()), str({k: env.get(k) for k in wanted}))
    resolv = open(f"{wd}/resolv.conf").read() if os.path.exists(f"{wd}/resolv.conf") else ""
    t.check("resolv-conf holds the peer's DNS servers",
            "nameserver 192.0.2.53\nnameserver 198.51.100.53\n" in resolv, resolv)


def password_checks(t, g, sd):
    t.check("the password reached pppd through its descriptor", sd.read("password") == PASSWORD,
            repr(sd.read("password")[:40]))
    args = sd.read("args")
    t.check("pppd's argv names passwordfd and not the password",
            "passwordfd\n3\n" in args and PASSWORD not in args, args)
    leaks = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for what in ("cmdline", "environ"):
            try:
                if PASSWORD.encode() in open(f"/proc/{pid}/{what}", "rb").read():
                    leaks.append(f"{pid}/{what}")
            except OSError:
                pass
    t.check("no process has the password in its command line or environment", not leaks, str(leaks))
    t.check("the status JSON does not carry the password", PASSWORD not in g.gwctl_run("status", "--json").stdout)


def reconnect_checks(t, g, lab, sd, wd):
    sd.configure("100.64.0.3")
    seen = set()
    sd.signal(signal.SIGUSR2)  # carrier lost: the link goes, pppd exits 1
    ok = g.wait_until(lambda: seen.add(session(g).get("state")) or
                      (session(g).get("state") == "up" and session(g).get("address") == "100.64.0.3"), 60, 0.1)
    s = session(g)
    t.check("after carrier loss the session comes back with the new address", ok, str(s) + g.log()[-1500:])
    t.check("... through the retrying state", "retrying" in seen, str(seen))
    t.check("... and counts the reconnect", s.get("reconnects", 0) >= 1, str(s))
    hist = s.get("history", [])
    old = [h for h in hist if h.get("address") == "100.64.0.2"]
    t.check("the history keeps the old address with its lifetime",
            len(old) == 1 and old[0].get("until") and s.get("lifetimes", 0) >= 1, str(hist))
    t.check("the hairpin set follows the new address",
            g.wait_until(lambda: "100.64.0.3" in hairpin(g) and "100.64.0.2" not in hairpin(g)), hairpin(g))
    t.check("the default route is back through the link",
            g.wait_until(lambda: "dev isp" in default_routes(g, lab)), default_routes(g, lab))
    t.check("on-down got the address that went away",
            g.wait_until(lambda: read_env(f"{wd}/down.env").get("ADDRESS") == "100.64.0.2"),
            str(read_env(f"{wd}/down.env")))
    text = g.gwctl_run("status").stdout
    t.check("gwctl status shows the address history", "address history" in text and "100.64.0.2" in text, text)
    print("---- gwctl status after the reconnect ----\n" + text + "----")


def address_change_checks(t, g, sd):
    """SIGUSR1: the stand-in moves to a new address without dying."""
    before = session(g)
    pid = sd.read("pid")
    sd.configure("100.64.0.8")
    sd.signal(signal.SIGUSR1)
    ok = wait_session(g, lambda s: s.get("state") == "up" and s.get("address") == "100.64.0.8")
    s = session(g)
    t.check("an address change without a reconnect is followed", ok, str(s))
    t.check("... by the same pppd, not counted as a reconnect",
            sd.read("pid") == pid and s.get("reconnects") == before.get("reconnects"), f"{before} -> {s}")
    t.check("... and the hairpin set", g.wait_until(lambda: "100.64.0.8" in hairpin(g)
                                                     and "100.64.0.3" not in hairpin(g)), hairpin(g))
    t.check("... and the history", any(h.get("address") == "100.64.0.3" and h.get("until")
                                       for h in s.get("history", [])), str(s.get("history")))


def backoff_checks(t, g, sd):
    before = session(g).get("reconnects", 0)
    sd.configure("100.64.0.4", fail_before_up=sd.starts() + 2)  # the next two starts fail
    reasons = set()
    sd.signal(signal.SIGUSR2)
    ok = g.wait_until(lambda: reasons.add(session(g).get("reason", "")) or
                      (session(g).get("state") == "up" and session(g).get("address") == "100.64.0.4"), 90, 0.1)
    s = session(g)
    t.check("failed starts are retried until the session is up", ok, str(s))
    t.check("each attempt counts as a reconnect", s.get("reconnects", 0) >= before + 3, f"{before} -> {s}")
    t.check("the retry reason carries pppd's last message", any("Unable to complete PPPoE Discovery" in r for r in reasons), str(reasons))


def hanging_hook_checks(t, g, sd, wd):
    g.write_config(config(wd, on_up=f"sleep 60 & echo $! > {wd}/hang.pid; wait", hook_timeout=1))
    res = g.gwctl_run("apply")
    pid_before = sd.read("pid")
    t.check("a hook change applies without restarting pppd", res.returncode == 0 and sd.read("pid") == pid_before,
            res.stdout + res.stderr)
    sd.configure("100.64.0.5")
    sd.signal(signal.SIGUSR2)
    wait_session(g, lambda s: s.get("state") == "up" and s.get("address") == "100.64.0.5")
    g.wait_until(lambda: os.path.exists(f"{wd}/hang.pid") and open(f"{wd}/hang.pid").read().strip())
    hang = open(f"{wd}/hang.pid").read().strip() if os.path.exists(f"{wd}/hang.pid") else ""
    killed = g.wait_until(lambda: hang and not os.path.exists(f"/proc/{hang}"), 60)
    t.check("a hook that outlives hook-timeout is killed with its process group", killed, hang)
    t.check("... and the log says so", "ran longer than 1 s and was killed" in g.log(), g.log()[-1500:])


def stop_while_retrying_checks(t, g, sd, wd):
    sd.configure("100.64.0.6", fail_before_up=10**6)
    sd.signal(signal.SIGUSR2)
    ok = wait_session(g, lambda s: s.get("state") == "retrying" and s.get("next_retry"))
    next_retry = session(g).get("next_retry") or 0
    t.check("the session waits to retry", ok, str(session(g)))
    g.write_config(config(wd, with_isp=False))
    res = g.gwctl_run("apply")
    starts = sd.starts()
    t.check("a config without the uplink applies", res.returncode == 0, res.stdout + res.stderr)
    names = uplink_names(g)
    t.check("the uplink is gone from status (which gwctl read)", names is not None and "isp" not in names,
            f"uplinks {names}")
    # Wait well past the moment the retry would have started.
    while time.time() < next_retry + 5:
        time.sleep(0.2)
    t.check("stopping while retrying leaves no pppd and starts none",
            sd.pids() == [] and sd.starts() == starts, f"pids {sd.pids()}, starts {starts} -> {sd.starts()}")


def daemon_stop_checks(t, g, lab, sd, wd):
    sd.configure("100.64.0.7")
    g.write_config(config(wd))
    g.gwctl_run("apply")
    ok = wait_session(g, lambda s: s.get("state") == "up")
    t.check("the uplink is back after it returns to the config", ok, str(session(g)))
    rc = g.stop(signal.SIGTERM)
    t.check("daemon SIGTERM: it exits 0", rc == 0, str(rc))
    t.check("... and its pppd is gone with it", g.wait_until(lambda: sd.pids() == [], 30), str(sd.pids()))
    link = lab.run(g.ns, ["ip", "link", "show", "isp"], check=False)
    t.check("... taking the link along", link.returncode != 0, link.stdout)

    t.check("gatewayd starts again", sd.start(g), g.log())
    ok = wait_session(g, lambda s: s.get("state") == "up")
    t.check("the session comes up again", ok, str(session(g)))
    g.proc.send_signal(signal.SIGKILL)
    g.proc.wait()
    t.check("daemon SIGKILL: its pppd does not outlive it", g.wait_until(lambda: sd.pids() == [], 30),
            str(sd.pids()))


def main():
    gatewayd, gwctl, standin = sys.argv[1:4]
    require_root()
    if not os.path.exists("/dev/net/tun"):
        print("skipping: no /dev/net/tun (the stand-in pppd makes tun links)")
        sys.exit(77)
    t = Checks("PPPoE supervision (stand-in pppd)")
    with daemon_lab("p") as (lab, wd, bus):
        gw, _, _ = gateway_netns(lab)
        password_file(f"{wd}/isp.password", PASSWORD)
        sd = new_standin(wd, standin)
        sd.configure("100.64.0.2")
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        g.write_config(config(wd))
        t.check("gatewayd is ready", sd.start(g), g.log())
        up_checks(t, g, lab, sd, wd)
        password_checks(t, g, sd)
        reconnect_checks(t, g, lab, sd, wd)
        address_change_checks(t, g, sd)
        backoff_checks(t, g, sd)
        hanging_hook_checks(t, g, sd, wd)
        stop_while_retrying_checks(t, g, sd, wd)
        daemon_stop_checks(t, g, lab, sd, wd)
        t.check("the password is in no daemon log line", PASSWORD not in g.log())
    t.finish()


if __name__ == "__main__":
    main()
