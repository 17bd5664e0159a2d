#!/usr/bin/env python3
"""Runs `gwctl check` on every examples/*.yaml: the examples are the
language's showcase and must stay valid as the checker grows.

Usage: check_examples.py GWCTL SOURCE_ROOT
"""
import pathlib
import subprocess
import sys

gwctl, root = sys.argv[1], pathlib.Path(sys.argv[2])
examples = sorted((root / "examples").glob("*.yaml"))
if not examples:
    print("no examples/*.yaml found")
    sys.exit(1)
failed = 0
for path in examples:
    run = subprocess.run([gwctl, "check", str(path)], capture_output=True, text=True)
    status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
    print(f"gwctl check {path.relative_to(root)}: {status}")
    output = (run.stdout + run.stderr).strip()
    if output:
        print("  " + output.replace("\n", "\n  "))
    failed += run.returncode != 0
print(f"{len(examples) - failed}/{len(examples)} examples pass gwctl check")
sys.exit(1 if failed else 0)
