#!/usr/bin/env python3
"""scripts/test_summary.py on a made-up testlog.json: a whole-test skip and
the skips inside a passing test are counted as skipped, with their reasons,
never as passes.

Usage: test_summary_test.py SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

ENTRIES = [
    {"name": "gatewayd:unit / a", "result": "OK", "stdout": "ok   one\nok   two\n"},
    {"name": "gatewayd:netns / b", "result": "OK",
     "stdout": "ok   x\nskip LAN hosts across the bridge: br_netfilter is not active here\n"},
    {"name": "gatewayd:vm / c", "result": "SKIP", "stdout": "skipping: needs root (network namespaces)\n"},
    {"name": "gatewayd:netns / d", "result": "FAIL", "stdout": "FAIL y\nskip z: no dbuser\n"},
]
REASONS = ("skip reasons: 1 whole tests, 2 checks inside tests: "
           "needs root (network namespaces); br_netfilter is not active here; no dbuser")
WANT = "tests: 2 passed, 1 failed, 3 skipped"
WANT_PACKAGE_FAILED = "tests: 2 passed, 2 failed, 3 skipped"
WANT_TWO_PARTS = "tests: 5 passed, 2 failed, 6 skipped"

with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    f.write("".join(json.dumps(e) + "\n" for e in ENTRIES))
summary = os.path.join(sys.argv[1], "scripts", "test_summary.py")
try:
    out = subprocess.run([sys.executable, summary, f.name],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    with_package = subprocess.run([sys.executable, summary, f.name, "--package", "failed"],
                                  capture_output=True, text=True, check=True).stdout.splitlines()
    # The run in two parts (host suites, then vm): both logs are counted.
    two_parts = subprocess.run([sys.executable, summary, f.name, f.name, "--package", "ok"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
finally:
    os.unlink(f.name)
print("\n".join(out))
ok = (out[-1] == WANT and out[-2] == REASONS
      and "skipped: b: LAN hosts across the bridge: br_netfilter is not active here" in out
      and with_package[-1] == WANT_PACKAGE_FAILED and two_parts[-1] == WANT_TWO_PARTS)
print("ok" if ok else f"FAIL: closing lines should be\n{REASONS}\n{WANT}\nand with a failed package\n{WANT_PACKAGE_FAILED}")
sys.exit(0 if ok else 1)
