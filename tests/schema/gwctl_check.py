#!/usr/bin/env python3
"""Runs the real checker, `gwctl check --json`, where the schema tests only
look at shape:

  examples  every examples/*.yaml must be valid (warnings allowed): the
            examples are the language's showcase.
  cases     the schema's own cases must get the same verdict from the
            parser: tests/schema/accept/*.yaml valid, and each
            tests/schema/reject/*.yaml invalid with an error at (or under,
            or above) the place its `# expect:` line names, or its
            `# parser:` line where the parser reports elsewhere. So the
            schema never flags what gatewayd accepts, nor passes what it
            refuses, on these cases.

Usage: gwctl_check.py examples|cases GWCTL SOURCE_ROOT
"""
import json
import pathlib
import re
import subprocess
import sys

mode, gwctl, root = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
here = pathlib.Path(__file__).resolve().parent
failures = 0


def fail(message):
    global failures
    failures += 1
    print("FAIL:", message)


def check(path):
    """(exit status, [(severity, path, message)]) of gwctl check --json."""
    # The language, not a kernel, is under test: a target that has every
    # kernel feature, so a split is judged on its words alone.
    run = subprocess.run([gwctl, "check", "--json", "--kernel-features", "broute,bridge-ct,br-netfilter", str(path)], capture_output=True, text=True)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        fail(f"{path.name}: gwctl check --json printed no JSON (exit {run.returncode}): "
             f"{(run.stdout + run.stderr).strip()[:300]}")
        return run.returncode, []
    diags = [(d["severity"], d["path"], d["message"]) for d in report["diagnostics"]]
    return run.returncode, diags


def show(diags):
    for severity, path, message in diags:
        print(f"    {severity}: {path or '(top)'}: {message}")


def related(a, b):
    """a and b are the same place, or one lies inside the other. The top
    level ("") is only itself: an error at the top does not answer for a
    case that names a key, nor a key for a case that names the top."""
    def under(x, y):
        return x == y or (y != "" and x.startswith(y) and x[len(y)] in ".[")
    return under(a, b) or under(b, a)


def header(path, key):
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        m = re.match(rf"# {key}: \$?\.?(\S*)", line)
        if m:
            return m.group(1)
    return None


def must_pass(paths, label):
    passed = 0
    for path in paths:
        status, diags = check(path)
        if status != 0:
            fail(f"{label} {path.name}: gwctl check exit {status}")
            show(diags)
        else:
            passed += 1
            warnings = [d for d in diags if d[0] == "warning"]
            print(f"{label} {path.name}: valid" + (f", {len(warnings)} warning(s)" if warnings else ""))
            show(warnings)
    print(f"{label}: {passed}/{len(paths)} valid for gwctl check")


def must_reject(paths):
    agreed = 0
    for path in paths:
        want = header(path, "parser")
        if want is None:
            want = header(path, "expect")
        status, diags = check(path)
        errors = [d for d in diags if d[0] == "error"]
        if status != 2 or not errors:
            fail(f"reject case {path.name}: the schema rejects it but gwctl check "
                 f"exits {status} with no error")
            show(diags)
        elif want is None or not any(related(p, want) for _, p, _ in errors):
            fail(f"reject case {path.name}: gwctl check errs elsewhere than at {want!r}")
            show(errors)
        else:
            agreed += 1
    print(f"reject cases: {agreed}/{len(paths)} rejected by gwctl check at the same place")


if mode == "examples":
    examples = sorted((root / "examples").glob("*.yaml"))
    if not examples:
        fail("no examples/*.yaml found")
    must_pass(examples, "example")
elif mode == "cases":
    must_pass(sorted((here / "accept").glob("*.yaml")), "accept case")
    must_reject(sorted((here / "reject").glob("*.yaml")))
else:
    sys.exit(f"unknown mode {mode!r}")
sys.exit(1 if failures else 0)
