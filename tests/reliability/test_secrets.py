#!/usr/bin/env python3
"""A PPPoE password in 0 places (root, real kernel, the stand-in pppd): it
reaches pppd through its descriptor, and appears in no process's argv or
environment, no daemon log line (what the journal gets), no file of the
run directory, no gwctl status / status --json / diff / render output and
no D-Bus reply (Status, the properties, Check, Diff, Apply, introspection);
where journald runs, not in the journal since the test began either.
Errors too: an inline password (refused, as documented) is not quoted back
by gwctl check, gwctl apply (daemon and direct) or the D-Bus error, and a
root-only file that is not a config handed to Apply is not quoted either.
Prints how many places were searched.

Usage: test_secrets.py GATEWAYD GWCTL STANDIN_PPPD   (root)
"""
import os
import secrets
import shutil
import subprocess
import sys
import time

from harness import NO_BUS, gateway
from daemon_lab import Checks, require_root
from standin import Standin, password_file

PASSWORD = "pw-" + secrets.token_hex(12)
INLINE = "inline-" + secrets.token_hex(12)
SHADOW = "$6$" + secrets.token_hex(16)


def config(wd, password_line=None, port=443):
    secret = password_line or f"password-file: {wd}/isp.password"
    return f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    {secret}
    default-route: true
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
  forwards:
    - name: https
      proto: tcp
      port: {port}
      to: 172.16.1.100
"""


class Places:
    """Every place searched, and where a secret was found."""

    def __init__(self):
        self.searched, self.found = 0, []

    def look(self, where, text, *needles):
        self.searched += 1
        for n in needles:
            if n in text:
                self.found.append(f"{where} holds {n[:6]}...")


def process_places(p):
    for pid in filter(str.isdigit, os.listdir("/proc")):
        for what in ("cmdline", "environ"):
            try:
                with open(f"/proc/{pid}/{what}", "rb") as f:
                    data = f.read().decode(errors="replace")
            except OSError:
                continue
            p.look(f"/proc/{pid}/{what}", data, PASSWORD)


def file_places(p, root):
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    p.look(path, f.read().decode(errors="replace"), PASSWORD, INLINE)
            except OSError:
                pass


def bus_method(g, method, sig="", *args):
    """One gatewayd method called with busctl, which prints the whole reply
    (bus-call prints only the reply's signature, or its first 2,000 bytes)."""
    r = g.busctl("call", "net.gatewayd.Gateway1", "/net/gatewayd/Gateway1", "net.gatewayd.Gateway1", method,
                 *([sig, *args] if sig else []))
    return r.stdout + r.stderr


def output_places(p, g, wd):
    """Searches what gwctl and the D-Bus interface give out; returns the
    D-Bus Status reply, so the caller can see it was read."""
    other = os.path.join(wd, "other.yaml")
    with open(other, "w") as f:
        f.write(config(wd, port=8443))
    for argv in (["status"], ["status", "--json"], ["diff"], ["diff", other], ["render", other],
                 ["render", "--net", other], ["check", other]):
        r = g.gwctl_run(*argv)
        p.look("gwctl " + " ".join(argv), r.stdout + r.stderr, PASSWORD)
    for prop in ("State", "Uplinks", "LastApply"):
        r = g.busctl("get-property", "net.gatewayd.Gateway1", "/net/gatewayd/Gateway1", "net.gatewayd.Gateway1", prop)
        p.look(f"D-Bus property {prop}", r.stdout + r.stderr, PASSWORD)
    r = g.busctl("introspect", "net.gatewayd.Gateway1", "/net/gatewayd/Gateway1")
    p.look("D-Bus introspection", r.stdout + r.stderr, PASSWORD)
    for method, sig, args in [("Check", "sb", (other, "true")), ("Diff", "sb", (other, "true")),
                              ("Diff", "sb", ("", "false")), ("Apply", "sbu", (g.config, "true", "0"))]:
        p.look(f"D-Bus {method}({', '.join(args)})", bus_method(g, method, sig, *args), PASSWORD)
    status = bus_method(g, "Status")
    p.look("D-Bus Status()", status, PASSWORD)
    return status


def error_places(p, g, wd):
    inline = os.path.join(wd, "inline.yaml")
    with open(inline, "w") as f:
        f.write(config(wd, password_line=f"password: {INLINE}"))
    for argv, env in ((["check", inline], None), (["apply", inline], None), (["apply", inline], NO_BUS)):
        r = g.lab.run(g.ns, [g.gwctl] + argv, check=False, env=dict(g.env(), **(env or {})))
        where = "gwctl " + " ".join(argv) + (" (direct)" if env else "")
        p.look(where, r.stdout + r.stderr, INLINE)
        if r.returncode != 2 or ":11:5:" not in r.stderr:
            p.found.append(f"{where}: not refused at inline.yaml:11:5 ({r.returncode}: {r.stderr[:200]!r})")
    for method, sig, args in [("Check", "sb", (inline, "true")), ("Apply", "sbu", (inline, "true", "0")),
                              ("Check", "sb", (open(inline).read(), "false"))]:
        p.look(f"D-Bus {method} of the inline password", bus_method(g, method, sig, *args), INLINE)
    shadow = os.path.join(wd, "shadow")
    with open(shadow, "w") as f:
        f.write(f"root:{SHADOW}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n")
    os.chmod(shadow, 0o600)
    p.look("D-Bus Apply of a shadow-like file", bus_method(g, "Apply", "sbu", shadow, "true", "0"), SHADOW)
    r = g.gwctl_run("check", shadow)
    p.look("gwctl check of a shadow-like file", r.stdout + r.stderr, SHADOW)


def journal_place(t, p, since):
    if not shutil.which("journalctl") or not os.path.exists("/run/systemd/journal/socket"):
        t.skip("the journal", "journald is not running here; the daemon's log (its stderr) was searched")
        return
    r = subprocess.run(["journalctl", "--no-pager", "-q", "--since", since], capture_output=True, text=True)
    p.look("the journal", r.stdout, PASSWORD, INLINE)


def main():
    gatewayd, gwctl, standin = sys.argv[1:4]
    require_root()
    if not os.path.exists("/dev/net/tun"):
        print("skipping: no /dev/net/tun (the stand-in pppd makes tun links)")
        sys.exit(77)
    since = time.strftime("%Y-%m-%d %H:%M:%S")
    t = Checks("secrets in 0 places")
    with gateway("s", gatewayd, gwctl, config="") as (g, _, _, wd):
        password_file(f"{wd}/isp.password", PASSWORD)
        sd = Standin(wd, standin, peer="100.64.0.1", up_delay_ms=100)
        sd.configure("100.64.0.2")
        g.write_config(config(wd))
        t.check("gatewayd is ready", sd.start(g), g.log())
        t.check("the session is up", g.wait_until(lambda: "isp: up" in g.gwctl_run("status").stdout, 60),
                g.gwctl_run("status").stdout)
        t.check("the password reached pppd through its descriptor", sd.read("password").strip() == PASSWORD)
        p = Places()
        process_places(p)
        status = output_places(p, g, wd)
        t.check("the D-Bus Status reply searched is the status itself (it lists uplink isp)",
                "uplinks" in status and "isp" in status, status[:300])
        error_places(p, g, wd)
        p.look("the daemon's log", g.log(), PASSWORD, INLINE)
        file_places(p, g.run_dir)
        journal_place(t, p, since)
        t.check(f"the secrets are in 0 of {p.searched} places searched", not p.found, "; ".join(p.found[:10]))
        print(f"figures: {p.searched} places searched, {len(p.found)} holding a secret")
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
