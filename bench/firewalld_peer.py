"""The peer for bench/apply_vs_nft.py: firewalld (Debian 12's 1.3, nftables
backend) loading the same N port forwards as forward-ports of a zone.

firewalld runs unpacked from its Debian package (bench/deps.sh), never
installed: in a network namespace of its own, on a private D-Bus bus of
its own (a dbus-daemon with a throw-away config; firewalld finds it through
DBUS_SYSTEM_BUS_ADDRESS), with --nofork --nopid and its system config in a
temporary folder. The host's ruleset and system bus are never touched.

Time to a loaded ruleset: from starting firewalld to its D-Bus `state`
answering RUNNING. FirewallD takes its bus name first and loads the whole
configuration before its main loop runs, so the Get call is answered only
once the ruleset is committed; the ruleset is then read back to check that
the forwards are there.
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
sys.path.insert(0, os.path.join(ROOT, "tests", "netns"))
from daemon_lab import Bus  # noqa: E402  (the tests' private dbus-daemon)

CACHE = os.environ.get("GW_BENCH_CACHE", "/var/cache/gatewayd-bench") + "/firewalld"
ROUNDS = 3
START_TIMEOUT = 600.0
FIREWALLD_CONF = """DefaultZone=external
CleanupOnExit=yes
CleanupModulesOnExit=no
Lockdown=no
IPv6_rpfilter=yes
IndividualCalls=no
LogDenied=off
FirewallBackend=nftables
FlushAllOnReload=yes
RFC3964_IPv4=yes
"""


def zone_xml(n):
    """The WAN side as gen_forwards.py writes it: masquerade and N forwards."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<zone>", "  <short>wan</short>",
             '  <interface name="wan0"/>', "  <masquerade/>"]
    for i in range(n):
        lines.append(f'  <forward-port port="{20000 + i}" protocol="tcp" to-addr="172.16.1.{100 + i % 100}"/>')
    lines.append("</zone>")
    return "\n".join(lines) + "\n"


def lan_zone_xml():
    return ('<?xml version="1.0" encoding="utf-8"?>\n<zone>\n  <short>lan</short>\n'
            '  <interface name="lan0"/>\n  <service name="ssh"/>\n  <forward/>\n</zone>\n')


def available():
    return os.path.exists(os.path.join(CACHE, ".complete")) and shutil.which("dbus-daemon") is not None


def firewalld_state(bus, ns):
    """firewalld's `state`, or None while it has no name on the bus."""
    res = subprocess.run(["ip", "netns", "exec", ns, "dbus-send", f"--bus={bus.address}", "--print-reply",
                          f"--reply-timeout={int(START_TIMEOUT * 1000)}", "--dest=org.fedoraproject.FirewallD1",
                          "/org/fedoraproject/FirewallD1", "org.freedesktop.DBus.Properties.Get",
                          "string:org.fedoraproject.FirewallD1", "string:state"],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return None
    return res.stdout.split('"')[1] if '"' in res.stdout else res.stdout.strip()


def one_start(n, workdir, bus, round_no):
    """Seconds from starting firewalld to RUNNING, and the dnat rules it holds."""
    ns = f"gwbench{os.getpid()}-fw{n}-{round_no}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    proc = None
    try:
        for link in ("lan0", "wan0"):
            subprocess.run(["ip", "-n", ns, "link", "add", link, "type", "bridge"], check=True)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address,
                   PYTHONPATH=os.path.join(CACHE, "usr/lib/python3/dist-packages"))
        log = open(os.path.join(workdir, f"firewalld-{n}-{round_no}.log"), "w")
        argv = ["ip", "netns", "exec", ns, "/usr/bin/python3", os.path.join(CACHE, "usr/sbin/firewalld"),
                "--nofork", "--nopid", "--system-config", os.path.join(workdir, "etc"),
                "--default-config", os.path.join(CACHE, "usr/lib/firewalld"), "--log-target", "console"]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        state = None
        while state is None:
            if proc.poll() is not None:
                raise RuntimeError(f"firewalld exited with {proc.returncode}; see {log.name}")
            if time.perf_counter() - start > START_TIMEOUT:
                raise RuntimeError("firewalld did not take its bus name in time")
            state = firewalld_state(bus, ns)
            if state is None:
                time.sleep(0.02)
        elapsed = time.perf_counter() - start
        if state != "RUNNING":
            raise RuntimeError(f"firewalld state {state}; see {log.name}")
        ruleset = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "ruleset"],
                                 capture_output=True, text=True, check=True).stdout
        return elapsed, sum(1 for line in ruleset.splitlines() if "dnat" in line)
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        subprocess.run(["ip", "netns", "del", ns], check=False)


def write_config(n, workdir):
    etc = os.path.join(workdir, "etc")
    shutil.rmtree(etc, ignore_errors=True)
    os.makedirs(os.path.join(etc, "zones"))
    with open(os.path.join(etc, "firewalld.conf"), "w") as f:
        f.write(FIREWALLD_CONF)
    with open(os.path.join(etc, "zones", "external.xml"), "w") as f:
        f.write(zone_xml(n))
    with open(os.path.join(etc, "zones", "internal.xml"), "w") as f:
        f.write(lan_zone_xml())


def compare(sizes, timed, workdir):
    """Prints firewalld's time to a loaded ruleset beside nft -f and gwctl's
    first apply of the same run (`timed`: apply_vs_nft's samples per N)."""
    if not available():
        print("firewalld: skipped, not unpacked (run bench/deps.sh)")
        return
    print(f"firewalld {ROUNDS} starts per N, each in a fresh namespace on a private bus: start -> RUNNING")
    print(f"{'N':>6} {'firewalld s':>12} {'dnat rules':>10} {'x nft -f':>9} {'x gwctl':>8}")
    fwdir = tempfile.mkdtemp(dir=workdir)
    bus = Bus(fwdir)
    try:
        for n in sizes:
            write_config(n, fwdir)
            runs = [one_start(n, fwdir, bus, i) for i in range(ROUNDS)]
            t = statistics.median(r[0] for r in runs)
            rules = min(r[1] for r in runs)
            nft = statistics.median(s[0] for s in timed[n]["nft"][0])
            gw = statistics.median(s[0] for s in timed[n]["gwctl"][0])
            print(f"{n:>6} {t:>12.2f} {rules:>10} {t / nft:>9.1f} {t / gw:>8.1f}")
            sys.stdout.flush()
    finally:
        bus.close()
