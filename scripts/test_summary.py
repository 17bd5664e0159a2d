#!/usr/bin/env python3
"""Prints one closing line for a meson test run, counted from testlog.json:
'tests: N passed, N failed, N skipped' (doctest cases are counted inside each
test program's own output, so this counts meson tests)."""
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
