#!/usr/bin/env python3
"""v6plus + PPPoE coexistence with a real PPPoE session (runs inside the vm
guest through run_in_vm.py: the host kernel has no PPP). The same story and
checks as tests/netns/test_coexistence.py, but gatewayd runs the real pppd
(kernel-mode pppoe.so) on wan0, and a real pppoe-server with CHAP answers
on the far end in the "isp" namespace. Carrier loss is the wire going down
with the access concentrator stopped; the session comes back when it is
started again with a different address pool, so the address is new.

Usage (guest): test_coexistence.py GATEWAYD GWCTL EXAMPLE
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import test_coexistence as story  # noqa: E402
from daemon_lab import Bus, Checks, Gateway, Lab, require_root, workdir  # noqa: E402
from pppoe_server import AccessConcentrator  # noqa: E402

USER = "user@isp.example"  # the example's username


def vm_config(example, password):
    """The host tier's config with LCP echoes fast enough for a test: a
    dead line is noticed after 3 missed echoes 2 s apart."""
    text = story.lab_config(example, password)
    line = f"    password-file: {password}\n"
    assert line in text
    return text.replace(line, line + "    lcp-echo:\n      interval: 2\n      failures: 3\n", 1)


class RealPppoe:
    """The real line for the story: pppoe-server in the isp namespace on the
    far end of wan0; CHAP secret = the password file's content."""

    def __init__(self, lab, top, wd):
        self.lab, self.top = lab, top
        self.server = AccessConcentrator(lab, top.isp, wd, USER, story.SECRET, story.PEER)
        self.server.serve(story.FIRST, sessions=1)

    def start(self, g):
        return g.start(timeout=120, extra_args=["--pppd", "/usr/sbin/pppd"])

    def lose_carrier(self, next_address):
        del next_address  # the pool changes when the server comes back
        self.server.stop_server()
        self.lab.ip(self.top.isp, "link set eth0 down")

    def restore(self):
        self.server.serve(story.SECOND, sessions=1)
        self.lab.ip(self.top.isp, "link set eth0 up")


def run_with_real_pppoe(title, tag, gatewayd, gwctl, config_for, prepare=None, pppoe_class=RealPppoe):
    """The story with the real pppd: `config_for(password_file)` gives the
    config; `prepare(lab, top)` adds to the topology before gatewayd starts."""
    require_root()
    if not os.path.exists("/run/gw-vm"):
        print("run this inside the vm guest: tests/vm/run_in_vm.py -- " + sys.argv[0])
        sys.exit(2)
    t = Checks(title)
    lab = Lab(tag)
    wd = workdir()
    bus = Bus(wd)
    story.CONNECT_TIMEOUT = 10.0
    try:
        top = story.Topology(lab)
        if prepare:
            prepare(lab, top)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        g.write_config(config_for(story.password_file(wd)))
        story.run(t, lab, g, top, pppoe_class(lab, top, wd), patience=6)
        g.stop()
    finally:
        for log in ("pppd-isp.log", "gatewayd.log"):
            path = os.path.join(wd, log)
            if t.failed and os.path.exists(path):
                print(f"--- {log}\n" + open(path).read()[-4000:])
        lab.close()
        bus.close()
        shutil.rmtree(wd, ignore_errors=True)
    t.finish()


def main():
    gatewayd, gwctl, example = sys.argv[1:4]
    run_with_real_pppoe("v6plus + PPPoE coexistence (real PPPoE)", "co", gatewayd, gwctl,
                        lambda password: vm_config(example, password))


if __name__ == "__main__":
    main()
