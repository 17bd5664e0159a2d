#!/usr/bin/env python3
"""The VRRP pair (host tier): two gatewayd boxes, keepalived in each
gateway namespace as gatewayd's child, the stand-in pppd for the PPPoE
line. Proven: exactly one session, on the MASTER, the other box holding
its uplink back; the LAN client reaches the Internet host through the
virtual address; killing the MASTER's keepalived, its gatewayd, or
cutting its LAN link each makes the BACKUP take over and dial, and the
old MASTER keeps no pppd; 100 forced role flips (the MASTER's LAN link
down/up within 20 s) end with exactly one session, on the final MASTER.
Timings are not asserted (bench/failover.py measures them).

The vm tier runs the same story with the real line (--real-pppd, inside
the guest: the host kernel has no PPP): pppd against pppoe-server in each
box's uplink namespace, and there "one session" also means exactly one
session at the ISP side, the old MASTER's hung up (its PADT went out).

Usage: test_ha_pair.py GATEWAYD GWCTL (STANDIN_PPPD | --real-pppd)   (root)
"""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ha_lab import INTERNET, Pair  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
from daemon_lab import Checks, require_root, wait_until  # noqa: E402

gatewayd, gwctl, line = sys.argv[1:4]
REAL = line == "--real-pppd"
require_root()
if REAL and not os.path.isdir("/run/gw-vm"):
    print(f"--real-pppd runs inside the vm guest: tests/vm/run_in_vm.py -- {sys.argv[0]} ...")
    sys.exit(2)
if not shutil.which("keepalived") and not os.path.exists("/usr/sbin/keepalived"):
    print("skipping: keepalived is not installed (scripts/deps.sh installs it)")
    sys.exit(77)
checks = Checks("ha-pair (real pppd, pppoe-server)" if REAL else "ha-pair")
pair = Pair("ha", gatewayd, gwctl, None if REAL else line, real=REAL)
# A real PPPoE dial under the vm's emulated CPU takes seconds, not tens of
# milliseconds: every bound grows, none is asserted as a timing.
PATIENCE = 3 if REAL else 1


def wait(pred, timeout=60):
    return wait_until(pred, timeout * PATIENCE, step=0.1)


def one_session_on(me):
    """Exactly one pppd runs, on `me`, and `me` says MASTER; on the real
    line the ISP side, too, holds exactly one session: `me`'s."""
    s = pair.sessions()
    other = "b" if me == "a" else "a"
    if REAL:
        isp = pair.isp_sessions()
        if len(isp[me]) != 1 or isp[other]:
            return False
    return len(s[me]) == 1 and not s[other] and pair.is_master(me)


def sessions_text():
    return str(pair.sessions()) + (f" isp side: {pair.isp_sessions()}" if REAL else "")


def master():
    for me in ("a", "b"):
        if pair.is_master(me):
            return me
    return None


def reaches_internet():
    return pair.lab.ping(pair.client, INTERNET, count=1, timeout=2)


try:
    checks.check("gateway a starts", pair.start("a"))
    checks.check("gateway b starts", pair.start("b"))
    checks.check("a (priority 150) becomes MASTER with the only session", wait(lambda: one_session_on("a")),
                 sessions_text() + pair.boxes["a"][0].log()[-3000:])
    st_b = pair.status("b")
    checks.check("b is BACKUP and holds isp back", st_b.get("ha", {}).get("held_back") == ["isp"]
                 and st_b["ha"]["instances"][0]["role"] == "BACKUP", str(st_b.get("ha")))
    inst = st_b.get("ha", {}).get("instances", [{}])[0]
    checks.check("b shows a's last advert (source, priority 150)", inst.get("peer") == "172.16.0.2"
                 and inst.get("peer_priority") == 150 and inst.get("peer_advert") is not None, str(inst))
    text = pair.boxes["b"][0].gwctl_run("status").stdout
    checks.check("status text shows the role and the held-back uplink",
                 "lan lan0 vrid 51: BACKUP" in text and "held back (not MASTER): isp" in text
                 and "peer advert: 172.16.0.2 priority 150" in text, text)
    checks.check("the LAN client reaches the Internet through the virtual address",
                 wait(reaches_internet, 30))
    conf = open(os.path.join(pair.boxes["a"][0].run_dir, "keepalived.conf")).read()
    checks.check("keepalived.conf is 0600 and holds the VRRP password",
                 oct(os.stat(os.path.join(pair.boxes["a"][0].run_dir, "keepalived.conf")).st_mode & 0o777) == "0o600"
                 and "auth_pass vrrp1pw" in conf)
    checks.check("the VRRP password is in no log or status",
                 all("vrrp1pw" not in pair.boxes[m][0].log() + str(pair.status(m)) for m in "ab"))

    # 1. The MASTER's keepalived dies: b takes over; a's gatewayd restarts
    # keepalived, which (preempt off) stays BACKUP.
    pids = pair.keepalived_pids("a")
    checks.check("a runs keepalived", bool(pids), str(pids))
    for p in pids:
        os.kill(p, signal.SIGKILL)
    checks.check("keepalived killed on a: b takes over with the only session", wait(lambda: one_session_on("b")),
                 sessions_text())
    checks.check("a's gatewayd restarts keepalived", wait(lambda: bool(pair.keepalived_pids("a"))))
    checks.check("the LAN client reaches the Internet through b", wait(reaches_internet, 30))

    # 2. The MASTER's gatewayd is killed (SIGKILL): keepalived and pppd die
    # with it, a takes over.
    g_b = pair.boxes["b"][0]
    g_b.stop(signal.SIGKILL)
    checks.check("gatewayd killed on b: a takes over with the only session", wait(lambda: one_session_on("a")),
                 sessions_text())
    checks.check("no keepalived is left on b", wait(lambda: not pair.keepalived_pids("b"), 15))
    checks.check("b starts again", pair.start("b"))
    checks.check("b comes back as BACKUP (a keeps the session)",
                 wait(lambda: pair.status("b").get("ha", {}).get("instances", [{}])[0].get("role") == "BACKUP")
                 and one_session_on("a"), sessions_text())

    # 3. The MASTER's LAN cable is cut: its switch port goes down, so lan0
    # loses carrier. (Setting lan0 itself down would be undone by a's
    # gatewayd within milliseconds: it keeps the links it manages up.)
    g_a = pair.boxes["a"][0]
    pair.lab.ip(pair.lan, "link set p-ga down")
    checks.check("LAN link cut on a: b takes over with the only session", wait(lambda: one_session_on("b")),
                 sessions_text())
    checks.check("a is not MASTER and holds isp back", wait(lambda: pair.status("a").get("ha", {}).get("held_back")
                                                            == ["isp"]), str(pair.status("a").get("ha")))
    pair.lab.ip(pair.lan, "link set p-ga up")
    checks.check("a's link back: b keeps the only session", wait(
        lambda: pair.status("a").get("ha", {}).get("instances", [{}])[0].get("role") == "BACKUP")
        and one_session_on("b"), sessions_text())

    # 4. 100 forced role flips within 20 s: each box's LAN cable cut and
    # restored (its switch port), in turn, 25 times each. One `ip -batch`
    # process takes them line by line, so each flip costs a netlink
    # request, not a process start (seconds apiece under the vm's TCG).
    start = time.monotonic()
    switch = subprocess.Popen(["ip", "-n", pair.lan, "-force", "-batch", "-"], stdin=subprocess.PIPE, text=True)
    for i in range(100):
        box = "a" if (i // 2) % 2 == 0 else "b"
        switch.stdin.write(f"link set p-g{box} {'down' if i % 2 == 0 else 'up'}\n")
        switch.stdin.flush()
        time.sleep(0.1)
    switch.stdin.write("link set p-ga up\nlink set p-gb up\n")
    switch.stdin.close()
    switch.wait(timeout=60)
    took = time.monotonic() - start
    print(f"100 flips took {took:.1f} s")
    checks.check("the flips fit in 20 s", took <= 20.0, f"{took:.1f} s")
    settled = wait(lambda: master() is not None and one_session_on(master()), 60)
    checks.check("after the flips: exactly one session, on the final MASTER, no pppd elsewhere", settled,
                 sessions_text() + str({m: pair.status(m).get("ha") for m in "ab"}))
    checks.check("the LAN client reaches the Internet after the flips", wait(reaches_internet, 30))
finally:
    for me in "ab":
        g = pair.boxes[me][0]
        if g.proc and g.proc.poll() is None:
            g.stop()
    leftovers = pair.sessions()
    if checks.failed and REAL:
        for me in "ab":
            print(f"--- ISP side of {me}\n" + pair.boxes[me][1].server.tail())
    pair.close()
checks.check("no pppd left after the daemons stopped", not any(leftovers.values()), str(leftovers))
checks.finish()
