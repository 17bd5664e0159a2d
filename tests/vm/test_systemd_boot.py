#!/usr/bin/env python3
"""gatewayd installed from its .deb and booted by a real systemd (issue 14,
part 2), run by run_in_vm.py --systemd after each of the guest's two boots.

First boot: `dpkg -i` the package, `gwctl apply` a config through the daemon
(it must persist), `systemctl stop` (the ruleset stays), enable a probe
unit ordered After=network-pre.target that records `nft list ruleset`, and
reboot. Second boot: the probe saw the applied ruleset and gatewayd became
active (READY=1, Type=notify) before network-pre.target was reached; the
config applied before the reboot is live; the watchdog is fed (no restart
after a whole WatchdogSec) and restarts a SIGSTOPped daemon; `systemctl
reload` reapplies an edited file; a packet the input policy drops shows up
in `gwctl log --json` with its GW_* fields (the journal path of the drop
log); `systemd-analyze security gatewayd` is printed for the record.

Usage (guest): test_systemd_boot.py DEB
"""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netns"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
import daemon_lab  # noqa: E402
from netlab import Checks  # noqa: E402

STATE = "/var/lib/gw-boot-test"
CONFIG = "/etc/gatewayd/gateway.yaml"
REBOOT = 100  # run_in_vm.py --systemd: the job asked for a reboot
PROBE_OUT = "/run/gw-netpre-ruleset.nft"
DROPIN_DIR = "/etc/systemd/system/gatewayd.service.d"
WATCHDOG_S = 10
PROBE_UNIT = """[Unit]
Description=records the ruleset as network-pre.target is reached
DefaultDependencies=no
After=network-pre.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'nft list ruleset > {out}'

[Install]
WantedBy=network-pre.target
""".format(out=PROBE_OUT)

BASE = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.1.1/24]
zones:
  lan:
    interfaces: [lan]
firewall:
  input:
    policy: drop
    log: true
    rules:
      - name: before-reboot
        action: allow
        from: lan
        proto: tcp
        port: 22
"""
RELOADED = BASE + """      - name: after-reload
        action: allow
        from: lan
        proto: tcp
        port: 2222
"""


def sh(*argv, check=False, timeout=120):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=check)


def prop(unit, name):
    return sh("systemctl", "show", "-P", name, unit).stdout.strip()


def wait_until(predicate, timeout=120.0):
    return daemon_lab.wait_until(predicate, timeout, step=0.5)


def unit_story():
    """What the manager and the journal say about gatewayd (for failures)."""
    return (sh("systemctl", "status", "--no-pager", "-l", "gatewayd").stdout[-2000:] + "\n"
            + sh("journalctl", "-b", "--no-pager", "-u", "gatewayd").stdout[-3000:])


def input_chain():
    return sh("nft", "list", "chain", "inet", "gatewayd", "input").stdout


def first_boot(t, deb):
    res = sh("dpkg", "-i", deb, timeout=600)
    t.check("dpkg -i installs the package", res.returncode == 0, res.stdout[-1500:] + res.stderr[-1500:])
    t.check("the package enables gatewayd", sh("systemctl", "is-enabled", "gatewayd").stdout.strip() == "enabled")
    t.check("... and starts it without a config file (it owns nothing)",
            wait_until(lambda: prop("gatewayd", "ActiveState") == "active") and not os.path.exists(CONFIG),
            prop("gatewayd", "ActiveState") + "\n" + unit_story())
    path = os.path.join(STATE, "gw-boot.yaml")
    with open(path, "w") as f:
        f.write(BASE)
    res = sh("gwctl", "apply", path)
    t.check("gwctl apply through the daemon", res.returncode == 0, res.stdout + res.stderr)
    t.check("... persists the file to /etc/gatewayd/gateway.yaml",
            os.path.exists(CONFIG) and open(CONFIG).read() == BASE, sh("ls", "-l", "/etc/gatewayd").stdout)
    t.check("... and the ruleset is live", "before-reboot" in input_chain(), input_chain())
    sh("systemctl", "stop", "gatewayd")
    t.check("systemctl stop: gatewayd is inactive", prop("gatewayd", "ActiveState") == "inactive",
            prop("gatewayd", "ActiveState"))
    t.check("... and its ruleset stays in the kernel", "before-reboot" in input_chain(), input_chain())
    with open("/etc/systemd/system/gw-netpre-probe.service", "w") as f:
        f.write(PROBE_UNIT)
    res = sh("systemctl", "enable", "gw-netpre-probe.service")
    t.check("the network-pre probe unit is enabled", res.returncode == 0, res.stderr)
    packaged = open("/lib/systemd/system/gatewayd.service").read()
    t.check("the packaged unit asks for a watchdog", "\nWatchdogSec=" in packaged)
    # The watchdog checks wait whole intervals: a drop-in shortens the
    # packaged 30 s to keep the test short (the mechanism is the same).
    os.makedirs(DROPIN_DIR, exist_ok=True)
    with open(os.path.join(DROPIN_DIR, "watchdog.conf"), "w") as f:
        f.write(f"[Service]\nWatchdogSec={WATCHDOG_S}s\n")


def order_checks(t):
    t.check("after the reboot gatewayd is active (Type=notify: it said READY=1)",
            prop("gatewayd", "ActiveState") == "active" and prop("gatewayd", "Type") == "notify",
            prop("gatewayd", "ActiveState"))
    ready = int(prop("gatewayd", "ActiveEnterTimestampMonotonic") or 0)
    netpre = int(prop("network-pre.target", "ActiveEnterTimestampMonotonic") or 0)
    t.check(f"... before network-pre.target was reached ({ready} <= {netpre} µs after boot)",
            0 < ready <= netpre, f"gatewayd {ready}, network-pre.target {netpre}")
    seen = open(PROBE_OUT).read() if os.path.exists(PROBE_OUT) else ""
    t.check("a unit After=network-pre.target found gatewayd's ruleset in the kernel",
            "table inet gatewayd" in seen and "before-reboot" in seen,
            seen[:500] + sh("systemctl", "status", "--no-pager", "-l", "gw-netpre-probe").stdout[-1500:]
            + sh("ls", "-la", "/etc/systemd/system", "/etc/systemd/system/network-pre.target.wants").stdout)
    t.check("the config applied before the reboot is live after it",
            "before-reboot" in input_chain() and open(CONFIG).read() == BASE, input_chain()[:500])



def drop_log_checks(t):
    for cmd in ("ip netns add peer", "ip link add lan0 type veth peer name eth0 netns peer",
                "ip -n peer link set eth0 up", "ip -n peer addr add 172.16.1.10/24 dev eth0"):
        sh(*cmd.split())
    t.check("gatewayd puts its address on the new LAN link",
            wait_until(lambda: "172.16.1.1/24" in sh("ip", "addr", "show", "lan0").stdout),
            sh("ip", "addr", "show", "lan0").stdout)
    diff = sh("gwctl", "diff")
    t.check("... and then gwctl diff finds nothing to change", diff.returncode == 0, diff.stdout[-1500:] + diff.stderr)
    send = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            "s.bind(('172.16.1.10', 40123)); s.sendto(b'x', ('172.16.1.1', 9999))")
    sh("ip", "netns", "exec", "peer", sys.executable, "-c", send)

    def entries():
        out = sh("gwctl", "log", "--json", "--class", "input-drop").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]
    t.check("a dropped packet shows up in gwctl log --json", wait_until(lambda: entries(), 60),
            sh("journalctl", "-b", "-u", "gatewayd", "--no-pager").stdout[-1500:])
    got = (entries() or [{}])[-1]
    want = {"class": "input-drop", "chain": "input", "in": "lan0", "src": "172.16.1.10", "dst": "172.16.1.1",
            "proto": "udp", "sport": 40123, "dport": 9999}
    t.check("... with its GW_ fields", {k: got.get(k) for k in want} == want, str(got))
    raw = sh("journalctl", "-b", "-o", "json", "GW_CLASS=input-drop").stdout.splitlines()
    fields = json.loads(raw[-1]) if raw else {}
    t.check("... which the journal holds as GW_* fields of gatewayd's entry",
            fields.get("GW_DPORT") == "9999" and fields.get("SYSLOG_IDENTIFIER") == "gatewayd"
            and fields.get("_SYSTEMD_UNIT") == "gatewayd.service", str(fields)[:600])


def reload_checks(t):
    with open(CONFIG, "w") as f:
        f.write(RELOADED)
    res = sh("systemctl", "reload", "gatewayd")
    t.check("systemctl reload reapplies the edited file",
            res.returncode == 0 and wait_until(lambda: "after-reload" in input_chain(), 60),
            res.stderr + input_chain()[:500])


def microseconds(span):
    """systemd's printed time span ("30s", "1min 30s", "500ms") in µs."""
    units = {"us": 1, "ms": 1000, "s": 10**6, "min": 60 * 10**6, "h": 3600 * 10**6}
    return sum(float(n) * units[u] for n, u in re.findall(r"([\d.]+)\s*(us|ms|min|s|h)\b", span))


def watchdog_checks(t):
    interval = int(microseconds(prop("gatewayd", "WatchdogUSec")))
    t.check(f"the manager runs the watchdog ({WATCHDOG_S} s from the test's drop-in)",
            interval == WATCHDOG_S * 10**6, prop("gatewayd", "WatchdogUSec"))
    since = int(prop("gatewayd", "ActiveEnterTimestampMonotonic") or 0)
    up = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
    if up < since + interval * 1.5:
        time.sleep((since + interval * 1.5 - up) / 1e6)
    t.check("a whole watchdog interval and a half passed without a restart: the daemon feeds it",
            prop("gatewayd", "NRestarts") == "0" and prop("gatewayd", "ActiveState") == "active",
            prop("gatewayd", "NRestarts"))
    pid = prop("gatewayd", "MainPID")
    os.kill(int(pid), 19)  # SIGSTOP: hung, but alive
    restarted = wait_until(lambda: prop("gatewayd", "MainPID") not in ("0", pid)
                           and prop("gatewayd", "ActiveState") == "active", interval / 1e6 * 3 + 60)
    log = sh("journalctl", "-b", "-u", "gatewayd", "--no-pager").stdout
    t.check("a SIGSTOPped gatewayd is killed by the watchdog and restarted",
            restarted and "Watchdog timeout" in log and prop("gatewayd", "NRestarts") == "1", log[-1500:])
    t.check("... and the restarted daemon holds the same ruleset",
            "after-reload" in input_chain() and sh("gwctl", "diff").returncode == 0, input_chain()[:500])


def security_report():
    out = sh("systemd-analyze", "security", "--no-pager", "gatewayd").stdout
    print("systemd-analyze security gatewayd:")
    for line in out.splitlines():
        if "✗" in line or "Overall exposure" in line:
            print("  " + line.strip())
    m = re.search(r"Overall exposure level for gatewayd.service: ([\d.]+)", out)
    return m.group(1) if m else None


def second_boot(t):
    order_checks(t)
    drop_log_checks(t)
    reload_checks(t)
    watchdog_checks(t)
    score = security_report()
    t.check(f"systemd-analyze security rates the unit ({score})", score is not None)


def main():
    deb = os.path.abspath(sys.argv[1])
    os.makedirs(STATE, exist_ok=True)
    phase = os.path.join(STATE, "first-boot-done")
    if not os.path.exists(phase):
        t = Checks("gatewayd under systemd, first boot")
        first_boot(t, deb)
        if t.failed:
            t.finish()
        open(phase, "w").close()
        print(f"{t.name}: {t.passed} passed; rebooting", flush=True)
        # What the test wrote without fsync (the probe unit, the drop-in)
        # reaches the disk before the reset.
        os.sync()
        sh("systemctl", "reboot", "--no-block")
        sys.exit(REBOOT)
    t = Checks("gatewayd under systemd, after the reboot")
    second_boot(t)
    t.finish()


if __name__ == "__main__":
    main()
