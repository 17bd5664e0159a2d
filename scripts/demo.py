#!/usr/bin/env python3
"""The newcomer demo: gatewayd running the bundled home-router example in a
throw-away set of network namespaces, on a private D-Bus bus, with real
connections through it. The host's own network, system bus and files are
left alone; everything is removed at the end, also on failure.

Usage: demo.py BUILD_DIR   (root)"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(TOP, "tests", "netns"), os.path.join(TOP, "tests", "daemon")]
from daemon_lab import Bus, Gateway, workdir  # noqa: E402
from home_router_lab import INTERNET_HOST, PUBLIC, SRV1, HomeRouterLab  # noqa: E402


def say(text):
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def show(res):
    sys.stdout.write(res.stdout)
    sys.stderr.write(res.stderr)
    return res


def main():
    build = sys.argv[1]
    gatewayd, gwctl = os.path.join(build, "daemon", "gatewayd"), os.path.join(build, "ctl", "gwctl")
    example = os.path.join(TOP, "examples", "home-router.yaml")
    tmp = workdir()
    hr = HomeRouterLab("demo")
    bus = None
    try:
        say("A lab: an Internet host, the gateway, LAN servers 172.16.1.100/.101 and a PC 172.16.3.10")
        print("(network namespaces; the PPPoE link is stood in by a veth named 'isp' with 198.51.100.2)")
        bus = Bus(tmp)
        gw = Gateway(hr.lab, hr.gw, gatewayd, gwctl, tmp, bus)
        gw.write_config(open(example).read())

        say(f"gwctl check {os.path.relpath(example, TOP)}")
        show(hr.lab.run(None, [gwctl, "check", example], check=False))

        say("Starting gatewayd in the gateway namespace (waits for READY=1)")
        if not gw.start():
            print(gw.log())
            raise SystemExit("gatewayd did not become ready")
        print("ready")

        say("gwctl status")
        show(gw.gwctl_run("status"))

        for proto, port in (("tcp", 443), ("udp", 500), ("tcp", 18080)):
            hr.lab.tcp_server(hr.srv1 if port != 18080 else hr.srv2, port, proto)
        hr.lab.tcp_server(hr.inet, 8000)

        say("Port forwards: the Internet host connects to the public address")
        for proto, port in (("tcp", 443), ("udp", 500), ("tcp", 18080)):
            got = hr.lab.connect(hr.inet, PUBLIC, port, proto)
            print(f"  {proto}/{port} -> {got[1] if got else 'FAILED'} saw the client as {got[0] if got else '-'}")
        say("Masquerade: the LAN PC connects to the Internet host")
        got = hr.lab.connect(hr.pc, INTERNET_HOST, 8000)
        print(f"  the Internet host saw the PC as {got[0] if got else 'FAILED'} (the public address)")
        say("Hairpin: LAN server 172.16.1.101 opens https://198.51.100.2/")
        got = hr.lab.connect(hr.srv2, PUBLIC, 443)
        print(f"  reached {got[1] if got else 'FAILED'} ({SRV1})")

        say("Someone runs 'nft flush table inet gatewayd' by hand ...")
        gw.nft("flush table inet gatewayd")
        restored = gw.wait_until(lambda: hr.lab.connect(hr.inet, PUBLIC, 443, timeout=0.5) is not None, 10)
        print("  ... gatewayd noticed and restored it" if restored else "  ... NOT restored")

        say("gwctl diff (exit 0: the kernel matches the file)")
        res = show(gw.gwctl_run("diff"))
        print(f"  exit {res.returncode}")

        say("gwctl status (counters per forward and drop class)")
        show(gw.gwctl_run("status"))
        ok = restored and res.returncode == 0
    finally:
        say("Tearing down")
        hr.close()
        if bus:
            bus.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("done: the host's network was not touched")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
