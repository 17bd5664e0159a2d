#!/usr/bin/env python3
"""Every yaml example of docs/gateway.yaml.md is a fixture that the real
`gwctl check` accepts (or, for an example that says "# rejected", refuses):
tests/docs/examples/NN-*.yaml holds the example verbatim between the lines
"# doc example" and "# end of doc example", with what it needs around it
(a version line, the interfaces and uplinks it names). The fixtures, in
file-name order, must hold exactly the doc's examples in the doc's order,
so an edited example fails here until its fixture follows.

Usage: test_doc_examples.py GWCTL SOURCE_ROOT
"""
import difflib
import pathlib
import re
import subprocess
import sys

gwctl, root = sys.argv[1], pathlib.Path(sys.argv[2])
DOC = root / "docs" / "gateway.yaml.md"
FIXTURES = root / "tests" / "docs" / "examples"
BEGIN, END = "# doc example\n", "# end of doc example\n"
failures = []


def expect(label, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + label)
    if not cond:
        failures.append(label)
        if detail:
            print("     " + detail.rstrip().replace("\n", "\n     "))


def doc_examples():
    return re.findall(r"^```yaml\n(.*?)^```\n", DOC.read_text(), re.S | re.M)


def fixture_example(path):
    text = path.read_text()
    if text.count(BEGIN) != 1 or text.count(END) != 1:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0]


examples = doc_examples()
fixtures = sorted(FIXTURES.glob("*.yaml"))
expect("the doc has yaml examples", len(examples) > 0)
held = []
for path in fixtures:
    ex = fixture_example(path)
    expect(f"{path.name}: one example between the markers", ex is not None)
    held.append(ex or "")
for i in range(max(len(examples), len(fixtures))):
    want = examples[i] if i < len(examples) else "(no example)\n"
    have = held[i] if i < len(held) else "(no fixture)\n"
    name = fixtures[i].name if i < len(fixtures) else f"a fixture for example {i + 1}"
    expect(f"{name} holds example {i + 1} of the doc", want == have,
           "".join(difflib.unified_diff(have.splitlines(True), want.splitlines(True), "fixture", "doc")))

for path, ex in zip(fixtures, held):
    rejected = ex.startswith("# rejected")
    # The language, not this host's kernel, is under test: a target with
    # every kernel feature, so a bridge split is judged on its words alone.
    r = subprocess.run([gwctl, "check", "--kernel-features", "broute,bridge-ct,br-netfilter", str(path)],
                       capture_output=True, text=True)
    if rejected:
        expect(f"{path.name}: gwctl check refuses it (exit 2)", r.returncode == 2, r.stdout + r.stderr)
    else:
        expect(f"{path.name}: gwctl check accepts it", r.returncode == 0, r.stdout + r.stderr)

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
