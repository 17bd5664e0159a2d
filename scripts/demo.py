#!/usr/bin/env python3
"""The newcomer demo: gatewayd running the bundled home-router example in a
throw-away set of network namespaces, on a private D-Bus bus, with real
connections through it. The PPPoE line is gatewayd's own supervised session
with a stand-in pppd (tests/uplinks/standin-pppd: the host kernel may have
no PPP) whose link ends at the Internet host. The host's own network,
system bus and files are left alone; everything is removed at the end, also
on failure.

Usage: demo.py BUILD_DIR   (root)"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(TOP, "tests", "netns"), os.path.join(TOP, "tests", "daemon")]
from daemon_lab import Bus, Gateway, workdir  # noqa: E402
from home_router_lab import INTERNET_HOST, PUBLIC, SRV1, HomeRouterLab  # noqa: E402
from standin import Standin, password_file  # noqa: E402

NEW_PUBLIC = "198.51.100.3"  # the address the ISP hands out after the line drops
ISP_DNS = "198.51.100.53"


def say(text):
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def show(res):
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    return res


def demo_config(example, tmp):
    """The example as shipped, but with a password file and an on-up hook
    of the demo's own (the host's /etc and /usr/local stay untouched)."""
    text = open(example).read()
    for shipped in ("/etc/gatewayd/isp.password", "on-up: /usr/local/sbin/ddns-update"):
        assert shipped in text, f"the example no longer has {shipped!r}"
    text = text.replace("/etc/gatewayd/isp.password", password_file(os.path.join(tmp, "isp.password"), "demo"))
    hook = f'on-up: "echo $UPLINK is up with $ADDRESS >> {tmp}/on-up.log"'
    return text.replace("on-up: /usr/local/sbin/ddns-update", hook)


def session(gw):
    """The isp uplink's session object from `gwctl status --json`."""
    try:
        status = json.loads(gw.gwctl_run("status", "--json").stdout)
    except ValueError:
        return {}
    return next((u.get("session") or {} for u in status.get("uplinks", []) if u.get("name") == "isp"), {})


def wait_up(gw, address, timeout=20):
    return gw.wait_until(lambda: session(gw).get("state") == "up" and session(gw).get("address") == address,
                         timeout, 0.1)


def show_status(gw, *sections):
    """`gwctl status`, or only its parts whose title is in `sections`."""
    parts = gw.gwctl_run("status").stdout.rstrip().split("\n\n")
    print("\n\n".join(p for p in parts if not sections or p.split(":", 1)[0] in sections))


def forward(hr, address, proto="tcp", port=443):
    got = hr.lab.connect(hr.inet, address, port, proto)
    print(f"  {proto}/{port} on {address} -> {got[1] if got else 'FAILED'} saw the client as {got[0] if got else '-'}")
    return got is not None


def traffic(hr):
    say(f"Port forwards: the Internet host connects to the public address {PUBLIC}")
    ok = all([forward(hr, PUBLIC, proto, port) for proto, port in (("tcp", 443), ("udp", 500), ("tcp", 18080))])
    say("Masquerade: the LAN PC connects to the Internet host")
    got = hr.lab.connect(hr.pc, INTERNET_HOST, 8000)
    print(f"  the Internet host saw the PC as {got[0] if got else 'FAILED'} (the public address)")
    say(f"Hairpin: LAN server 172.16.1.101 opens https://{PUBLIC}/")
    hairpin = hr.lab.connect(hr.srv2, PUBLIC, 443)
    print(f"  reached {hairpin[1] if hairpin else 'FAILED'} ({SRV1})")
    return ok and got is not None and hairpin is not None


def line_drops(hr, gw, sd):
    say(f"The PPPoE line drops; on the redial the ISP hands out {NEW_PUBLIC}")
    sd.lose_carrier(NEW_PUBLIC)  # carrier lost: the stand-in's link goes, it exits like pppd
    up = wait_up(gw, NEW_PUBLIC)
    print("  gatewayd redialled:" if up else "  the session did NOT come back:")
    show_status(gw, "Uplinks")
    print("  a port forward on the new address:")
    return up and forward(hr, NEW_PUBLIC)


def leftovers(prefix, sd):
    """Namespaces or stand-in processes of this demo still there."""
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    left = [n for n in names if n.startswith(prefix + "-")]
    return left + [f"standin-pppd pid {p}" for p in sd.pids()] if sd else left


def run(hr, gw, sd, gwctl, example):
    say(f"gwctl check {os.path.relpath(example, TOP)}")
    show(hr.lab.run(None, [gwctl, "check", example], check=False))

    say("Starting gatewayd in the gateway namespace; it dials the PPPoE line")
    if not sd.start(gw) or not wait_up(gw, PUBLIC):
        print(gw.log()[-3000:])
        raise SystemExit("gatewayd did not become ready with the PPPoE session up")
    print("ready, PPPoE up")
    hook_log = os.path.join(gw.workdir, "on-up.log")
    gw.wait_until(lambda: os.path.exists(hook_log))
    print(f"  on-up hook: {open(hook_log).read().strip() if os.path.exists(hook_log) else 'did not run'}")

    say("gwctl status (the counters come later)")
    show_status(gw, "gatewayd", "Interfaces", "Uplinks")

    for proto, port in (("tcp", 443), ("udp", 500), ("tcp", 18080)):
        hr.lab.tcp_server(hr.srv1 if port != 18080 else hr.srv2, port, proto)
    hr.lab.tcp_server(hr.inet, 8000)
    ok = traffic(hr)
    ok = line_drops(hr, gw, sd) and ok

    say("gwctl status: counters per forward, drop class and rule")
    show_status(gw, "Port forwards", "Drops", "Rules")

    say("Someone runs 'nft flush table inet gatewayd' by hand ...")
    gw.nft("flush table inet gatewayd")
    restored = gw.wait_until(lambda: hr.lab.connect(hr.inet, NEW_PUBLIC, 443, timeout=0.5) is not None, 10)
    print("  ... gatewayd noticed and restored it" if restored else "  ... NOT restored")

    say("gwctl diff (exit 0: the kernel matches the file)")
    res = show(gw.gwctl_run("diff"))
    print(f"  exit {res.returncode}")

    return ok and restored and res.returncode == 0


def main():
    build = sys.argv[1]
    gatewayd, gwctl = os.path.join(build, "daemon", "gatewayd"), os.path.join(build, "ctl", "gwctl")
    standin = os.path.join(build, "tests", "uplinks", "standin-pppd")
    example = os.path.join(TOP, "examples", "home-router.yaml")
    if not os.path.exists("/dev/net/tun"):
        raise SystemExit("the demo's PPPoE stand-in needs /dev/net/tun (modprobe tun)")
    tmp = workdir()
    hr = HomeRouterLab("demo", pppoe_standin=True)
    bus = sd = gw = None
    ok = False
    try:
        say("A lab: an Internet host, the gateway, LAN servers 172.16.1.100/.101 and a PC 172.16.3.10")
        print("(network namespaces; gatewayd runs a stand-in pppd whose 'isp' link ends at the Internet host)")
        bus = Bus(tmp)
        gw = Gateway(hr.lab, hr.gw, gatewayd, gwctl, tmp, bus)
        gw.write_config(demo_config(example, tmp))
        sd = Standin(tmp, standin, peer=INTERNET_HOST, dns=[ISP_DNS], peer_netns=hr.inet)
        sd.configure(PUBLIC)
        ok = run(hr, gw, sd, gwctl, example)
    finally:
        say("Tearing down")
        if gw and gw.proc:
            gw.stop()  # gatewayd hangs up its pppd
        hr.close()
        if bus:
            bus.close()
        shutil.rmtree(tmp, ignore_errors=True)
        left = leftovers(hr.lab.prefix, sd)
        print(f"LEFT BEHIND: {', '.join(left)}" if left else
              "done: no namespace or stand-in left; the host's network was not touched")
    sys.exit(0 if ok and not left else 1)


if __name__ == "__main__":
    main()
