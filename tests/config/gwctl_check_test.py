#!/usr/bin/env python3
"""`gwctl check` end to end: exit codes, where each kind of output goes,
the summary line, --json, unreadable files, and the command dispatcher's
usage handling.

Usage: gwctl_check_test.py GWCTL SOURCE_ROOT
"""
import json
import pathlib
import subprocess
import sys
import tempfile

gwctl, root = sys.argv[1], pathlib.Path(sys.argv[2])
failures = []


def run(*args):
    return subprocess.run([gwctl, *args], capture_output=True, text=True)


def expect(label, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + label)
    if not cond:
        failures.append(label)
        if detail:
            print("     " + detail.replace("\n", "\n     "))


good = root / "tests/config/good/01-minimal.yaml"
bad = root / "tests/config/bad/004-missing-version.yaml"
typo = next((root / "tests/config/bad").glob("*-private-typo-172.yaml"))

r = run("check", str(good))
expect("valid file exits 0", r.returncode == 0, r.stderr)
expect("valid file prints '<file>: ok'", r.stdout == f"{good}: ok\n", r.stdout)
expect("valid file prints nothing on stderr", r.stderr == "", r.stderr)

r = run("check", str(typo))
expect("invalid file exits 2", r.returncode == 2, r.stdout + r.stderr)
expect("diagnostic is file:line:col: error: message",
       f"{typo}:5:15: error: 176.16.0.0/12 is not a private range\n" in r.stderr, r.stderr)
expect("source line and caret follow", "    networks: 176.16.0.0/12\n" in r.stderr
       and "\n                ^\n" in r.stderr, r.stderr)
expect("hint follows", "  hint: did you mean 172.16.0.0/12?\n" in r.stderr, r.stderr)
expect("verdict counts errors", r.stderr.endswith(f"{typo}: 1 error\n"), r.stderr)

with tempfile.TemporaryDirectory() as tmp:
    warn = pathlib.Path(tmp) / "warn.yaml"
    warn.write_text("version: 1\n")
    r = run("check", str(warn))
    expect("warnings only: exit 0", r.returncode == 0, r.stderr)
    expect("warnings only: summary counts them", r.stdout == f"{warn}: ok (1 warning)\n", r.stdout)
    expect("warnings only: the warning is on stderr", "warning: lockout:" in r.stderr, r.stderr)

    # Accounts are looked up on this machine (getpwnam_r/getgrnam_r): root
    # exists everywhere, the other names nowhere.
    owners = pathlib.Path(tmp) / "owners.yaml"
    owners.write_text("version: 1\nfirewall: {input: {policy: accept}}\n"
                      "egress:\n  - name: db\n    users: [root, gw-no-such-user]\n"
                      "    groups: [root, gw-no-such-group]\n")
    r = run("check", str(owners))
    expect("unknown accounts: exit 0 with two warnings", r.returncode == 0
           and r.stdout == f"{owners}: ok (2 warnings)\n", r.stdout + r.stderr)
    expect("unknown user warned at its place",
           f"{owners}:5:19: warning: unknown user 'gw-no-such-user' on this host" in r.stderr, r.stderr)
    expect("unknown group warned at its place",
           f"{owners}:6:20: warning: unknown group 'gw-no-such-group' on this host" in r.stderr, r.stderr)
    expect("existing accounts are not warned about", "'root'" not in r.stderr, r.stderr)

    missing = pathlib.Path(tmp) / "nope.yaml"
    r = run("check", str(missing))
    expect("missing file exits 2", r.returncode == 2)
    expect("missing file: one clear line",
           r.stderr == f"gwctl: cannot read {missing}: No such file or directory\n", r.stderr)
    r = run("check", tmp)
    expect("a directory is unreadable", r.returncode == 2 and "Is a directory" in r.stderr, r.stderr)

    r = run("check", "--json", str(missing))
    doc = json.loads(r.stdout)
    expect("--json unreadable: valid false, reason as message",
           r.returncode == 2 and doc["valid"] is False and "No such file" in doc["diagnostics"][0]["message"],
           r.stdout)

r = run("check", "--json", str(typo))
doc = json.loads(r.stdout)
d = doc["diagnostics"][0]
expect("--json: exit 2 and valid false", r.returncode == 2 and doc["valid"] is False)
expect("--json: line, column, path, message, hint",
       (d["line"], d["column"], d["path"], d["message"], d["hint"])
       == (5, 15, "zones.lan.networks", "176.16.0.0/12 is not a private range", "did you mean 172.16.0.0/12?"),
       json.dumps(d))
expect("--json: nothing on stderr", r.stderr == "", r.stderr)

r = run("check", "--json", str(good), str(typo))
lines = r.stdout.splitlines()
expect("--json with two files: one object per line",
       len(lines) == 2 and json.loads(lines[0])["valid"] and not json.loads(lines[1])["valid"], r.stdout)
expect("two files, one bad: exit 2", r.returncode == 2)

r = run("check", str(good), str(bad))
expect("every file is checked", f"{good}: ok" in r.stdout and "missing required key 'version'" in r.stderr,
       r.stdout + r.stderr)

r = run("check", "--frobnicate")
expect("unknown option: exit 2 with usage", r.returncode == 2 and "usage: gwctl check" in r.stderr)

for args in (["help"], ["--help"]):
    r = run(*args)
    expect(f"gwctl {' '.join(args)}: usage on stdout, exit 0",
           r.returncode == 0 and r.stdout.startswith("usage: gwctl") and "check [--json] [FILE...]" in r.stdout,
           r.stdout + r.stderr)
r = run("frobnicate")
expect("unknown command: exit 2, usage on stderr",
       r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr and "usage: gwctl" in r.stderr)
r = run()
expect("no command: exit 2, usage on stderr", r.returncode == 2 and "usage: gwctl" in r.stderr)

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
