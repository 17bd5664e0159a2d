#!/usr/bin/env python3
"""The drop log on real packets (root, real kernel): gatewayd binds its NFLOG
group in its own namespace, and a probe the input policy drops, or a rule
with `log: true`, becomes one entry with its GW_* fields. No journald runs
in the test's namespaces (nor, often, on the host), so the daemon writes the
same fields to stderr as one "drop log: GW_CLASS=... GW_DPORT=..." line,
which this test reads; the journal path is proven in the vm boot test
(tests/vm/test_systemd_boot.py). A flood stays within the rule's limit:
the kernel keeps the rate limit, so it never reaches the daemon.

Usage: test_daemon_droplog.py GATEWAYD GWCTL   (root)
"""
import re
import sys
import textwrap
import time

from daemon_lab import Checks, Gateway, base_config, daemon_lab, gateway_netns, require_root

RATE, BURST, FLOOD = 5, 10, 200

CONFIG = base_config().replace("""firewall:
  input:
    policy: drop
    rules:""", f"""firewall:
  input:
    policy: drop
    log:
      rate: {RATE}
      per: minute
      burst: {BURST}
    rules:
      - name: telnet-probe
        action: deny
        proto: tcp
        port: 23
        log: true""")

SENDER = textwrap.dedent("""
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(sys.argv[3])))
    for i in range(int(sys.argv[2])):
        s.sendto(b"x", (sys.argv[1], 9999))
""")


def entries(g, cls):
    """The drop log lines of class `cls` as dicts of their GW_ fields."""
    found = []
    for line in g.log().splitlines():
        if "drop log: " not in line:
            continue
        fields = dict(re.findall(r"(GW_[A-Z]+)=(\S+)", line))
        if fields.get("GW_CLASS") == cls:
            found.append(fields)
    return found


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    t = Checks("the drop log reads NFLOG in the daemon's namespace")
    with daemon_lab("dl") as (lab, wd, bus):
        gw, _, up = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        g.write_config(CONFIG)
        t.check("gatewayd is ready", g.start(), g.log())
        ruleset = g.nft("list chain inet gatewayd input").stdout
        t.check("the input policy logs to gatewayd's NFLOG group, rate-limited in the kernel",
                re.search(rf'limit rate {RATE}/minute burst {BURST} packets log prefix "gw-input-drop: " group \d+',
                          ruleset) is not None, ruleset)
        lab.run(up, [sys.executable, "-c", SENDER, "192.0.2.2", "1", "40001"])
        t.check("a probe the input policy dropped is logged with its fields",
                g.wait_until(lambda: entries(g, "input-drop")), g.log()[-1500:])
        got = (entries(g, "input-drop") or [{}])[0]
        want = {"GW_CLASS": "input-drop", "GW_CHAIN": "input", "GW_IN": "wan0", "GW_SRC": "192.0.2.1",
                "GW_DST": "192.0.2.2", "GW_PROTO": "udp", "GW_SPORT": "40001", "GW_DPORT": "9999"}
        t.check("... GW_CLASS, GW_CHAIN, GW_IN, GW_SRC, GW_DST, GW_PROTO, GW_SPORT, GW_DPORT as sent",
                got == want, f"got {got}")
        lab.run(up, ["python3", "-c", "import socket; s=socket.socket(); s.settimeout(1)\n"
                     "try: s.connect(('192.0.2.2', 23))\nexcept OSError: pass"], check=False)
        t.check("a rule with log: true logs under the rule's name",
                g.wait_until(lambda: entries(g, "telnet-probe")), g.log()[-1500:])
        started = time.monotonic()
        lab.run(up, [sys.executable, "-c", SENDER, "192.0.2.2", str(FLOOD), "40002"])
        counted = lambda: g.nft("list chain inet gatewayd input").stdout  # noqa: E731
        # The last flooded packet's entry, if any, has had time to come once
        # a later probe from another rule (its own limit) has been logged.
        lab.run(up, ["python3", "-c", "import socket; s=socket.socket(); s.settimeout(1)\n"
                     "try: s.connect(('192.0.2.2', 23))\nexcept OSError: pass"], check=False)
        g.wait_until(lambda: len(entries(g, "telnet-probe")) >= 2)
        minutes = (time.monotonic() - started) / 60 + 0.1
        bound = BURST + int(RATE * minutes) + 1
        n = len(entries(g, "input-drop"))
        t.check(f"a flood of {FLOOD} drops gives at most {bound} entries (burst {BURST} + {RATE}/minute): "
                f"the kernel's limit holds", 1 < n <= bound, f"{n} entries; {counted()[:300]}")
        t.check("the daemon is still running", g.proc.poll() is None, g.log()[-1500:])
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
