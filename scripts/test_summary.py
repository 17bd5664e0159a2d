#!/usr/bin/env python3
"""Prints the closing line of a meson test run, counted from testlog.json:

    skip reasons: W whole tests, C checks inside tests: reasons
    tests: N passed, N failed, N skipped

The closing line stands alone, so a reader of the log finds the counts on
the last line; the grouped reasons go on the line above it.

A skip is never a pass. A whole test skips by exiting 77 after printing
`skipping: WHY`; a check inside a test that cannot run here (a kernel
feature, a host account) prints `skip WHAT: WHY` on a line of its own
(tests/netns/netlab.py Checks.skip, and the C++ tests likewise). Each such
line is listed above the closing line and counted as skipped in it, with
its reason; the closing line groups the reasons.

A run may come in parts (the test command runs the vm suite on its own):
every TESTLOG_JSON given is counted. The Debian package build is not a
meson test; `--package ok` or `--package failed` counts it as one more,
so a failed package build shows in the closing line too.

Usage: test_summary.py TESTLOG_JSON... [--package ok|failed]
"""
import collections
import json
import re
import sys

SUB_SKIP = re.compile(r"^skip (?P<what>.+?): (?P<why>.+)$")
WHOLE_SKIP = re.compile(r"^skipping: (?P<why>.+)$")


def short(name):
    """'gatewayd:netns / egress-owners' -> 'egress-owners'."""
    return name.rpartition(" / ")[2] or name


def lines_of(entry):
    return (entry.get("stdout") or "").replace("\r", "").splitlines()


def whole_skip_reason(entry):
    for line in lines_of(entry):
        m = WHOLE_SKIP.match(line.strip())
        if m:
            return m.group("why")
    return "no reason printed"


def sub_skips(entry):
    return [(m.group("what"), m.group("why")) for m in map(SUB_SKIP.match, lines_of(entry)) if m]


def summarize(entries):
    """(passed, failed, [(test, what, why)] of whole skips, [(test, what, why)] of check skips)."""
    passed = failed = 0
    whole, checks = [], []
    for entry in entries:
        result, name = entry.get("result"), short(entry.get("name", "?"))
        if result == "SKIP":
            whole.append((name, "the whole test", whole_skip_reason(entry)))
            continue
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            failed += 1
        checks += [(name, what, why) for what, why in sub_skips(entry)]
    return passed, failed, whole, checks


def reasons_line(whole, checks):
    """The skips grouped by reason, or None when nothing was skipped."""
    if not whole and not checks:
        return None
    reasons = collections.Counter(why for _, _, why in whole + checks)
    grouped = "; ".join(f"{n}x {why}" if n > 1 else why for why, n in reasons.items())
    return f"skip reasons: {len(whole)} whole tests, {len(checks)} checks inside tests: {grouped}"


def closing_line(passed, failed, whole, checks):
    return f"tests: {passed} passed, {failed} failed, {len(whole) + len(checks)} skipped"


def main(paths, package=None):
    entries = []
    for path in paths:
        with open(path, encoding="utf-8") as log:
            entries += [json.loads(line) for line in log if line.strip()]
    if package is not None:
        entries.append({"name": "package", "result": "OK" if package == "ok" else "FAIL"})
    passed, failed, whole, checks = summarize(entries)
    for test, what, why in whole + checks:
        print(f"skipped: {test}: {what}: {why}")
    reasons = reasons_line(whole, checks)
    if reasons:
        print(reasons)
    print(closing_line(passed, failed, whole, checks))


if __name__ == "__main__":
    args = sys.argv[1:]
    package = None
    if len(args) >= 2 and args[-2] == "--package" and args[-1] in ("ok", "failed"):
        args, package = args[:-2], args[-1]
    if not args or any(a.startswith("-") for a in args):
        sys.exit("usage: test_summary.py TESTLOG_JSON... [--package ok|failed]")
    main(args, package)
