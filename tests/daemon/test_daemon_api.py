#!/usr/bin/env python3
"""gatewayd as systemd and an operator see it (root, real kernel): READY=1
after the first reconcile, gwctl over a private D-Bus (status, diff, apply,
confirm/rollback, reload), who may do what (the installed bus policy, then
the daemon's own check behind an allow-all bus), SIGHUP and SIGTERM, and
gwctl's direct mode once the daemon is gone.

Usage: test_daemon_api.py GATEWAYD GWCTL BUS_POLICY   (root)
Access is tested as uid 65534 (nobody), once with no groups and once with
a `gatewayd` group that exists only in this test's private mount namespace.
"""
import json
import os
import signal
import subprocess
import sys
import threading

from daemon_lab import (NOBODY, Bus, Checks, Gateway, Lab, base_config, gateway_netns, private_group,
                        require_root, workdir)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def api_checks(t, g, wd):
    st = g.gwctl_run("status")
    t.check("gwctl status (root) shows the running daemon, its links and forwards",
            st.returncode == 0 and "gatewayd: running" in st.stdout and "lan0" in st.stdout
            and "https" in st.stdout, st.stdout + st.stderr)
    js = g.gwctl_run("status", "--json")
    report = json.loads(js.stdout) if js.returncode == 0 else {}
    t.check("gwctl status --json is the daemon's report",
            report.get("daemon") is True and report.get("forwards", [{}])[0].get("name") == "https", js.stdout)
    d = g.gwctl_run("diff")
    t.check("gwctl diff of the running config: exit 0, no output", d.returncode == 0 and not d.stdout, d.stdout + d.stderr)
    other = write(os.path.join(wd, "other.yaml"), base_config(port=8443))
    d = g.gwctl_run("diff", other)
    t.check("gwctl diff FILE: exit 1 and the change shown", d.returncode == 1 and "8443" in d.stdout, d.stdout + d.stderr)
    t.check("... and nothing changed", "tcp . 443 " in g.table_text())
    a = g.gwctl_run("apply", other)
    t.check("gwctl apply FILE: exit 0, what changed printed",
            a.returncode == 0 and "8443" in a.stdout and "tcp . 8443 " in g.table_text(), a.stdout + a.stderr)
    bad = write(os.path.join(wd, "bad.yaml"), "version: 1\nnat:\n  hairpin: maybe\n")
    a = g.gwctl_run("apply", bad)
    t.check("gwctl apply of an invalid file: exit 2, file:line:col, nothing changed",
            a.returncode == 2 and f"{bad}:3:" in a.stderr and "tcp . 8443 " in g.table_text(), a.stderr)
    return other


def confirm_checks(t, g, wd):
    trial = write(os.path.join(wd, "trial.yaml"), base_config(port=9443, lan="172.16.2.9/16"))
    # Long enough for the status below on a busy machine; the rollback is
    # waited for, not timed.
    a = g.gwctl_run("apply", trial, "--confirm", "20")
    t.check("apply --confirm 20 makes the trial live",
            a.returncode == 0 and "tcp . 9443 " in g.table_text() and "172.16.2.9/16" in g.addresses("lan0"),
            a.stdout + a.stderr)
    st = g.gwctl_run("status")
    t.check("status shows the pending confirm", "Confirm pending" in st.stdout, st.stdout)
    back = g.wait_until(lambda: "tcp . 8443 " in g.table_text() and g.addresses("lan0")[:1] == ["172.16.2.1/16"]
                        and "172.16.2.9/16" not in g.addresses("lan0"), timeout=120)
    t.check("without confirm, the previous ruleset and addresses come back", back,
            g.table_text()[-400:] + str(g.addresses("lan0")))
    st = g.gwctl_run("status")
    t.check("status shows the rollback", "Last rollback" in st.stdout and "not confirmed within 20 s" in st.stdout,
            st.stdout)
    a = g.gwctl_run("apply", trial, "--confirm", "60")
    c = g.gwctl_run("confirm")
    js = json.loads(g.gwctl_run("status", "--json").stdout)
    t.check("gwctl confirm keeps the trial", a.returncode == 0 and c.returncode == 0
            and js["confirm_deadline"] is None and "tcp . 9443 " in g.table_text(), c.stdout + c.stderr)
    c = g.gwctl_run("confirm")
    t.check("a second confirm has nothing to confirm: exit 2", c.returncode == 2, c.stderr)


def reload_checks(t, g):
    g.write_config(base_config(port=7443))
    g.notify.reset()
    g.send(signal.SIGHUP)
    t.check("SIGHUP re-reads the file", g.wait_until(lambda: "tcp . 7443 " in g.table_text()), g.log()[-2000:])
    t.check("... with RELOADING=1 and READY=1 to systemd",
            g.notify.wait_for("RELOADING=1", 30) and g.notify.wait_for("READY=1", 30), str(g.notify.messages))
    g.write_config(base_config(port=6443))
    r = g.gwctl_run("reload")
    t.check("gwctl reload re-reads the file", r.returncode == 0 and "tcp . 6443 " in g.table_text(), r.stderr)
    g.write_config("version: 1\nbogus: 1\n")
    r = g.gwctl_run("reload")
    t.check("reload of a broken file: exit 2 with the position, running config kept",
            r.returncode == 2 and f"{g.config}:2:" in r.stderr and "tcp . 6443 " in g.table_text(), r.stderr)
    g.write_config(base_config(port=6443))


def policy_access_checks(t, g, gid, other):
    r = g.gwctl_run("status", uid=NOBODY)
    t.check("bus policy: nobody outside group gatewayd may not read status",
            r.returncode == 2 and "permission denied" in r.stderr, r.stdout + r.stderr)
    r = g.gwctl_run("status", uid=NOBODY, groups=[gid])
    t.check("bus policy: a member of gatewayd may read status",
            r.returncode == 0 and "gatewayd: running" in r.stdout, r.stdout + r.stderr)
    before = g.table_text()
    r = g.gwctl_run("apply", other, uid=NOBODY, groups=[gid])
    t.check("bus policy: a member of gatewayd may not apply",
            r.returncode == 2 and "permission denied" in r.stderr and g.table_text() == before, r.stderr)
    r = g.gwctl_run("confirm", uid=NOBODY, groups=[gid])
    t.check("bus policy: ... nor confirm", r.returncode == 2 and "permission denied" in r.stderr, r.stderr)


OBJ = ["net.gatewayd.Gateway1", "/net/gatewayd/Gateway1", "net.gatewayd.Gateway1"]


def bus_object_checks(t, g, wd):
    r = g.busctl("introspect", *OBJ)
    t.check("the object is introspectable: methods, properties, signal",
            all(f".{m} " in r.stdout for m in ("Apply", "Confirm", "Diff", "Check", "Reload", "Status", "State",
                                                "Uplinks", "LastApply", "Applied")), r.stdout + r.stderr)
    r = g.busctl("get-property", *OBJ, "State")
    t.check("property State", r.stdout.strip() == 's "running"', r.stdout + r.stderr)
    r = g.busctl("get-property", *OBJ, "Uplinks")
    t.check("property Uplinks: name, interface, state, addresses",
            r.stdout.strip() == 'a(sssas) 1 "wan" "wan0" "up" 1 "192.0.2.2"', r.stdout + r.stderr)
    r = g.busctl("get-property", *OBJ, "LastApply")
    t.check("property LastApply: time, ok, result", r.stdout.startswith("(tbs) ") and " true " in r.stdout,
            r.stdout + r.stderr)
    r = g.busctl("call", *OBJ, "Check", "sb", "version: 1\nbogus: 1\n", "false")
    t.check("Check of a bad text: invalid, with the diagnostics as JSON",
            r.stdout.startswith("bs false") and '\\"line\\":2' in r.stdout, r.stdout + r.stderr)
    monitor = subprocess.Popen(["dbus-monitor", "--address", g.bus.address, "--monitor",
                                "type='signal',interface='net.gatewayd.Gateway1',member='Applied'"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    reader = threading.Thread(target=lambda: [lines.append(line) for line in monitor.stdout], daemon=True)
    reader.start()
    # Its first message (NameAcquired) says the monitor is on the bus.
    g.wait_until(lambda: any("NameAcquired" in line for line in lines), 30)
    a = g.gwctl_run("apply", write(os.path.join(wd, "signal.yaml"), base_config(port=5443)))
    g.wait_until(lambda: any('string "apply"' in line for line in lines), 30)
    monitor.terminate()
    reader.join(30)
    out = "".join(lines)
    t.check("the Applied signal follows an apply", a.returncode == 0 and "member=Applied" in out
            and 'string "apply"' in out, out[-800:])


def watchdog_checks(t, g):
    g.stop()
    t.check("with WATCHDOG_USEC set, the daemon is ready and sends WATCHDOG=1",
            g.start(extra_env={"WATCHDOG_USEC": "400000"}) and g.notify.wait_for("WATCHDOG=1", 30),
            str(g.notify.messages))


def daemon_access_checks(t, g, gid, other):
    r = g.gwctl_run("status", uid=NOBODY)
    t.check("daemon check: nobody outside group gatewayd is refused Status",
            r.returncode == 2 and "members of group gatewayd" in r.stderr, r.stdout + r.stderr)
    r = g.gwctl_run("status", "--json", uid=NOBODY, groups=[gid])
    t.check("daemon check: a member of gatewayd may read Status", r.returncode == 0 and '"daemon":true' in r.stdout,
            r.stdout + r.stderr)
    before = g.table_text()
    r = g.gwctl_run("apply", other, uid=NOBODY, groups=[gid])
    t.check("daemon check: a member of gatewayd is refused Apply",
            r.returncode == 2 and "only root may change" in r.stderr and g.table_text() == before, r.stderr)
    r = g.gwctl_run("reload", uid=NOBODY, groups=[gid])
    t.check("daemon check: ... and Reload", r.returncode == 2 and "only root may change" in r.stderr, r.stderr)
    r = g.busctl("call", *OBJ, "Check", "sb", "/etc/shadow", "true")
    t.check("root may Check a file by path", r.returncode == 0 and r.stdout.startswith("bs false"), r.stdout + r.stderr)
    r = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", f"--groups={gid}", "busctl",
                        f"--address={g.bus.address}", "call", *OBJ, "Check", "sb", "/etc/shadow", "true"],
                       capture_output=True, text=True)
    t.check("a reader may not make the daemon read a file by path (diagnostics quote files)",
            r.returncode != 0 and "Access denied" in r.stderr and "root:" not in r.stdout, r.stdout + r.stderr)


def netlink_changes(diff_text):
    """How many netlink changes a diff lists (its `+` lines under `netlink:`)."""
    section = diff_text.partition("\nnetlink:\n")[2]
    return sum(1 for line in section.splitlines() if line.startswith("+"))


def main():
    gatewayd, gwctl, policy = sys.argv[1:4]
    require_root()
    gid = private_group()
    t = Checks("gatewayd daemon and D-Bus API")
    lab = Lab("a")
    wd = workdir()
    buses = []
    try:
        gw, _, _ = gateway_netns(lab)
        buses.append(Bus(wd, policy))
        g = Gateway(lab, gw, gatewayd, gwctl, wd, buses[-1])
        g.write_config(base_config())
        changes = netlink_changes(g.gwctl_run("diff", g.config).stdout)
        t.check("gatewayd sends READY=1 after its first reconcile", g.start(), g.log())
        t.check("... having applied the ruleset and the addresses",
                "tcp . 443 " in g.table_text() and "172.16.2.1/16" in g.addresses("lan0"), g.log())
        t.check("STATUS= says it is running, with what the first reconcile did",
                g.notify.wait_for(f"STATUS=running: nft ruleset replaced, {changes} netlink changes", 30),
                str(g.notify.messages))
        other = api_checks(t, g, wd)
        policy_access_checks(t, g, gid, other)
        confirm_checks(t, g, wd)
        reload_checks(t, g)
        t.check("SIGTERM: clean exit (0), ruleset left in place",
                g.stop(signal.SIGTERM) == 0 and "tcp . 6443 " in g.table_text(), g.log()[-1000:])

        st = g.gwctl_run("status")
        t.check("without the daemon, gwctl status reads the kernel directly",
                st.returncode == 0 and "not running" in st.stdout and "https" in st.stdout, st.stdout + st.stderr)
        d = g.gwctl_run("diff", g.config)
        t.check("without the daemon, gwctl diff compares directly: no change", d.returncode == 0, d.stdout + d.stderr)

        open_dir = os.path.join(wd, "open")
        os.makedirs(open_dir)
        buses.append(Bus(open_dir))
        g.bus = buses[-1]
        t.check("gatewayd restarts on an allow-all bus", g.start(), g.log())
        daemon_access_checks(t, g, gid, other)
        bus_object_checks(t, g, wd)
        watchdog_checks(t, g)
        g.stop()
    finally:
        lab.close()
        for b in buses:
            b.close()
    t.finish()


if __name__ == "__main__":
    main()
