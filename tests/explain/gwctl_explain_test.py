#!/usr/bin/env python3
"""gwctl explain from the shell, as any user and offline: names and
addresses, --json, --uplink (address and down), --uid, and the usage
errors, each with its exit code.

Usage: gwctl_explain_test.py GWCTL EXAMPLES_DIR"""
import json
import os
import subprocess
import sys

gwctl, examples = sys.argv[1], sys.argv[2]
home = os.path.join(examples, "home-router.yaml")
coex = os.path.join(examples, "coexistence.yaml")
failures = []


def run(*args):
    return subprocess.run([gwctl, "explain", *args], capture_output=True, text=True)


def expect(label, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + label)
    if not cond:
        failures.append(label)
        print("     " + detail.replace("\n", "\n     "))


r = run("--json", "-f", home, "--uplink", "isp=198.51.100.2", "wan", "https")
expect("a zone to a forward by name: exit 0", r.returncode == 0, r.stderr)
ex = json.loads(r.stdout) if r.returncode == 0 else {}
expect("it is delivered to the forward's server", ex.get("verdict") == "delivered"
       and ex["delivered_as"]["destination"] == "172.16.1.100", r.stdout)
steps = ex.get("steps", [])
expect("the DNAT step names nat.forwards[0] and its line",
       any(s["verdict"] == "DNAT" and s.get("origin") == "nat.forwards[0]" and s.get("line") for s in steps),
       r.stdout)

r = run("-f", home, "lan", "wan", "tcp/445")
expect("text: SMB out is dropped by smb-tcp", r.returncode == 0 and "rule smb-tcp" in r.stdout
       and "verdict: dropped" in r.stdout, r.stdout + r.stderr)
expect("text: the assumed uplink address is a note", "note: uplink isp is taken as up" in r.stdout, r.stdout)

r = run("--json", "-f", coex, "--uplink", "isp=down", "172.16.1.100", "198.51.100.1", "tcp/25")
ex = json.loads(r.stdout) if r.returncode == 0 else {}
expect("--uplink isp=down: the pinned server is refused", ex.get("verdict") == "unreachable", r.stdout + r.stderr)

r = run("--json", "-f", os.path.join(examples, "egress.yaml"), "--uid", "0", "gateway", "192.0.2.1", "tcp/12345")
ex = json.loads(r.stdout) if r.returncode == 0 else {}
expect("--uid 0: root is refused the database port", ex.get("verdict") == "rejected", r.stdout + r.stderr)

for label, args in (("one word only", ["-f", home, "lan"]),
                    ("an unknown name", ["-f", home, "lan", "nowhere"]),
                    ("a port without protocol", ["-f", home, "lan", "wan", "443"]),
                    ("tcp without a port", ["-f", home, "lan", "wan", "tcp"]),
                    ("an unknown uplink", ["-f", home, "--uplink", "dsl=1.2.3.4", "lan", "wan"]),
                    ("an unknown kernel feature", ["-f", home, "--kernel-features", "brute", "lan", "wan"])):
    r = run(*args)
    expect(f"{label}: exit 2 with a message", r.returncode == 2 and r.stderr.strip() != "", r.stdout + r.stderr)

sys.exit(1 if failures else 0)
