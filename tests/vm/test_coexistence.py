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
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import test_coexistence as story  # noqa: E402
from daemon_lab import Bus, Checks, Gateway, Lab, require_root, workdir  # noqa: E402

USER = "user@isp.example"  # the example's username


def vm_config(example, password):
    """The host tier's config with LCP echoes fast enough for a test: a
    dead line is noticed after 3 missed echoes 2 s apart."""
    text = story.lab_config(example, password)
    line = f"    password-file: {password}\n"
    assert line in text
    return text.replace(line, line + "    lcp-echo:\n      interval: 2\n      failures: 3\n", 1)


class RealPppoe:
    """pppoe-server (user-space mode: this kernel's pppoe.ko is the client
    side only for it) in the isp namespace on the far end of wan0; CHAP
    secret = the password file's content."""

    def __init__(self, lab, top, wd):
        self.lab, self.top, self.wd = lab, top, wd
        self.pidfile = os.path.join(wd, "pppoe-server.pid")
        self.options = os.path.join(wd, "pppoe-server-options")
        os.makedirs("/etc/ppp", exist_ok=True)
        with open(os.open("/etc/ppp/chap-secrets", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f'"{USER}" * "{story.SECRET}" *\n')
        with open(self.options, "w") as f:
            f.write(textwrap.dedent(f"""\
                require-chap
                lcp-echo-interval 2
                lcp-echo-failure 3
                logfile {os.path.join(wd, "pppd-isp.log")}
                """))
        self.serve(story.FIRST)

    def serve(self, address):
        """Starts the access concentrator: our end PEER, the client gets `address`."""
        self.lab.run(self.top.isp, ["pppoe-server", "-I", "eth0", "-L", story.PEER, "-R", address,
                                    "-N", "1", "-O", self.options, "-X", self.pidfile])

    def start(self, g):
        return g.start(timeout=120, extra_args=["--pppd", "/usr/sbin/pppd"])

    def lose_carrier(self, next_address):
        del next_address  # the pool changes when the server comes back
        os.kill(int(open(self.pidfile).read().split()[0]), 15)
        self.lab.ip(self.top.isp, "link set eth0 down")

    def restore(self):
        self.serve(story.SECOND)
        self.lab.ip(self.top.isp, "link set eth0 up")


def main():
    gatewayd, gwctl, example = sys.argv[1:4]
    require_root()
    if not os.path.exists("/run/gw-vm"):
        print("run this inside the vm guest: tests/vm/run_in_vm.py -- " + sys.argv[0])
        sys.exit(2)
    t = Checks("v6plus + PPPoE coexistence (real PPPoE)")
    lab = Lab("co")
    wd = workdir()
    bus = Bus(wd)
    story.CONNECT_TIMEOUT = 10.0
    try:
        top = story.Topology(lab)
        g = Gateway(lab, top.gw, gatewayd, gwctl, wd, bus)
        password = story.password_file(wd)
        g.write_config(vm_config(example, password))
        story.run(t, lab, g, top, RealPppoe(lab, top, wd), patience=6)
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


if __name__ == "__main__":
    main()
