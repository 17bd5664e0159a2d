#!/usr/bin/env python3
"""Issue 5 under a real kernel (runs inside the vm guest): gatewayd runs the
real pppd against pppoe-server and keeps everything that depends on the
PPPoE address true across a reconnect.

  isp  (pppoe-server, CHAP; tcp clients)  --eth0 | wan0--  gw (gatewayd)
  gw   --lan0 | eth0--  lan (server 172.16.1.100:443)

Checks: the session comes up and `gwctl status` shows it (address, peer,
DNS); the default route follows the address; a port forward applied while
the session is up leaves the session alone, its hairpin set holds the
address and it reaches the LAN server from the isp side; pppoe-server
restarted with another pool -> gatewayd reconnects, the new address is
followed, status counts one reconnect and keeps the first address in its
history; the password is on no command line, in no log and not in status;
the ppp link has the configured MTU; an ISP side that goes silent (frozen,
no LCP terminate) is noticed by LCP echo and redialled.

The forward is applied once the session is up, so a config change that
leaves the uplink alone is seen to leave the session alone.
"""
import json
import os
import re
import secrets
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Bus, Checks, Gateway, Lab, workdir  # noqa: E402
from pppoe_server import AccessConcentrator, cmdline, signal_all  # noqa: E402

ISP_ADDR = "198.51.100.1"
DNS = ["198.51.100.53", "198.51.100.54"]
FIRST_POOL, SECOND_POOL = "203.0.113.10", "203.0.113.50"
USER = "gwuser"
# Not pppd's default nor gatewayd's (1454), and below pppoe-server's MRU.
MTU = 1440
SERVER = "172.16.1.100"

CONFIG = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: {user}
    password-file: {password_file}
    default-route: true
    lcp-echo: {{interval: 2, failures: 3}}
    mtu: {mtu}
zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [isp]
nat:
  masquerade:
    - from: lan
      to: wan
"""
FORWARDS = """  forwards:
    - name: https
      proto: tcp
      port: 443
      to: {server}
"""


def require_guest():
    if not os.path.isdir("/run/gw-vm"):
        print(f"this test runs inside the vm guest: tests/vm/run_in_vm.py -- {sys.argv[0]} ...")
        sys.exit(2)


class PppoeServer(AccessConcentrator):
    """The ISP's access concentrator: CHAP for USER, DNS pushed, two sessions."""

    def __init__(self, lab, ns, wd, password):
        super().__init__(lab, ns, wd, USER, password, ISP_ADDR, dns=DNS)

    def start(self, pool, session_offset=0):
        self.serve(pool, sessions=2, session_offset=session_offset)


def status_json(g):
    res = g.gwctl_run("status", "--json")
    try:
        return json.loads(res.stdout)
    except ValueError:
        return {}


def session_of(report):
    for u in report.get("uplinks", []):
        if u.get("name") == "isp":
            return u, u.get("session") or {}
    return {}, {}


def wait_up(g, not_address=None, timeout=120):
    """The uplink's status once its session is up with an address (other
    than `not_address`) and the peer and DNS pppd reports a moment after
    the address appears, or the last status seen."""
    deadline = time.monotonic() + timeout
    report = {}
    while time.monotonic() < deadline:
        report = status_json(g)
        _, s = session_of(report)
        if (s.get("state") == "up" and s.get("address") not in ("", None, not_address)
                and s.get("peer") and s.get("dns")):
            return report
        time.sleep(1)
    return report


def default_route(lab, ns):
    return lab.run(ns, ["ip", "-4", "route", "show", "default"], check=False).stdout.strip()


def hairpin_set(lab, ns):
    out = lab.run(ns, ["nft", "list", "set", "inet", "gatewayd", "uplink_addr4"], check=False).stdout
    return set(re.findall(r"\d+\.\d+\.\d+\.\d+", out))


def check_session(c, lab, gw, isp, report, pool_address, when, forwards):
    link, s = session_of(report)
    address, device = s.get("address", ""), link.get("device", "")
    print(f"--- gwctl status {when}")
    print(report and json.dumps(link, indent=1))
    c.check(f"{when}: the session is up with an address from the pool ({pool_address})",
            s.get("state") == "up" and address == pool_address, f"{s}")
    c.check(f"{when}: peer and DNS learned from pppd", s.get("peer") == ISP_ADDR and s.get("dns") == DNS, f"{s}")
    route = default_route(lab, gw)
    c.check(f"{when}: the default route goes out {device}", device and f"dev {device}" in route, route)
    if forwards:
        check_forward(c, lab, gw, isp, address, when)
    return address


def check_forward(c, lab, gw, isp, address, when):
    hp = hairpin_set(lab, gw)
    c.check(f"{when}: the hairpin set holds exactly the PPPoE address", hp == {address}, f"{hp}")
    seen = lab.connect(isp, address, 443, timeout=5)
    c.check(f"{when}: isp -> {address}:443 reaches the LAN server, source kept",
            seen is not None and seen[0] == ISP_ADDR and seen[1].endswith("-lan"), f"{seen}")


def apply_forwards(c, g, config, session_before):
    """Applies the config with the forward; True when it took."""
    path = os.path.join(g.workdir, "forwards.yaml")
    with open(path, "w") as f:
        f.write(config)
    res = g.gwctl_run("apply", path)
    c.check("a port forward applied while the session is up", res.returncode == 0,
            (res.stdout + res.stderr)[-1500:])
    _, s = session_of(status_json(g))
    c.check("... leaves the session alone (same address, no reconnect)",
            s.get("address") == session_before.get("address") and s.get("reconnects") == 0, f"{s}")
    return res.returncode == 0


def password_exposed(password, texts):
    """Where the password shows: any process's command line, or the texts."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if password.encode() in f.read():
                    found.append(f"cmdline of {pid}")
        except OSError:
            pass
    found += [name for name, text in texts.items() if password in text]
    return found


def main():
    require_guest()
    gatewayd, gwctl = sys.argv[1], sys.argv[2]
    c = Checks("gatewayd with a real pppd (vm)")
    lab = Lab("p")
    wd = workdir()
    bus = Bus(wd)
    try:
        run(c, lab, wd, bus, gatewayd, gwctl)
    finally:
        lab.close()
        bus.close()
        shutil.rmtree(wd, ignore_errors=True)
    c.finish()


def run(c, lab, wd, bus, gatewayd, gwctl):
    """Each step needs the one before: the first failure ends the test."""
    isp, gw, lan = lab.netns("isp"), lab.netns("gw"), lab.netns("lan")
    lab.veth(gw, "wan0", isp, "eth0")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.ip(lan, f"addr add {SERVER}/16 dev eth0")
    lab.ip(lan, "route add default via 172.16.2.1")
    lab.tcp_server(lan, 443)

    password = "vm-" + secrets.token_hex(12)
    password_file = os.path.join(wd, "isp.password")
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (password + "\n").encode())
    os.close(fd)
    server = PppoeServer(lab, isp, wd, password)
    server.start(FIRST_POOL)

    g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
    config = CONFIG.format(user=USER, password_file=password_file, mtu=MTU)
    g.write_config(config)
    started = time.monotonic()
    ready = g.start(timeout=60, extra_args=["--pppd", "/usr/sbin/pppd"])
    applied = (status_json(g).get("last_apply") or {}).get("ok")
    c.check("gatewayd starts, applies the config and says READY=1", ready and applied, g.log())
    if c.failed:
        return
    report = wait_up(g)
    print(f"session up after {time.monotonic() - started:.1f} s (TCG)")
    print(g.gwctl_run("status").stdout)
    first = check_session(c, lab, gw, isp, report, FIRST_POOL, "first session", False)
    device = session_of(report)[0].get("device", "")
    mtu = link_mtu(lab, gw, device)
    c.check(f"the PPPoE link {device} has the configured MTU {MTU}", mtu == MTU, f"mtu {mtu}")
    if c.failed:
        return dump(server, g)
    apply_forwards(c, g, config + FORWARDS.format(server=SERVER), session_of(report)[1])
    check_forward(c, lab, gw, isp, first, "first session")
    if c.failed:
        return dump(server, g)

    left = server.restart(SECOND_POOL)
    c.check("the ISP side ended the session and restarted with another pool", not left, f"{left}")
    report = wait_up(g, not_address=first)
    print(g.gwctl_run("status").stdout)
    check_session(c, lab, gw, isp, report, SECOND_POOL, "after the reconnect", True)
    _, s = session_of(report)
    c.check("status counts one reconnect", s.get("reconnects") == 1, f"{s.get('reconnects')}")
    history = [h.get("address") for h in s.get("history", [])]
    c.check(f"the history keeps the first address {first}", first in history, f"{history}")
    c.check("the old address left the hairpin set", first not in hairpin_set(lab, gw))

    texts = {"gatewayd log": g.log(), "status": g.gwctl_run("status").stdout,
             "status json": g.gwctl_run("status", "--json").stdout}
    exposed = password_exposed(password, texts)
    c.check("the password is on no command line, in no log, not in status", not exposed, f"{exposed}")
    if c.failed:
        return dump(server, g)
    dead_peer_checks(c, g, server)
    if c.failed:
        dump(server, g)


def link_mtu(lab, ns, device):
    out = lab.run(ns, ["ip", "-o", "link", "show", device], check=False).stdout
    m = re.search(r" mtu (\d+)", out)
    return int(m.group(1)) if m else None


def dead_peer_checks(c, g, server):
    """The ISP side stops answering without a word (its session processes
    frozen: no LCP terminate, no PADT): pppd notices by LCP echo
    (interval 2 s, 3 failures), gatewayd logs why and redials, and
    pppoe-server, still running, gives a new session."""
    _, before = session_of(status_json(g))
    log_start = len(g.log())
    session = [p for p in server.pids() if not cmdline(p).startswith("pppoe-server")]
    signal_all(session, signal.SIGSTOP)
    deadline = time.monotonic() + 180
    s = before
    while time.monotonic() < deadline:
        _, s = session_of(status_json(g))
        if s.get("state") == "up" and s.get("reconnects", 0) > before.get("reconnects", 0):
            break
        time.sleep(1)
    c.check("a dead peer (frozen, silent) is detected and the session redialled",
            s.get("state") == "up" and s.get("reconnects", 0) == before.get("reconnects", 0) + 1, f"{s}")
    # pppd 2.4.9 exits 16 ("modem hung up") even then: its own line says why.
    c.check("... by LCP echo: gatewayd's log relays pppd's 'No response to 3 echo-requests'",
            "No response to 3 echo-requests" in g.log()[log_start:], g.log()[log_start:][-1500:])
    signal_all(session, signal.SIGKILL)


def dump(server, g):
    print(f"--- isp side pppd log\n{server.tail(20000)}")
    print(f"--- gatewayd log\n{g.log()}")


if __name__ == "__main__":
    main()
