#!/usr/bin/env python3
"""bash completion for gwctl offers what `gwctl --help` lists: every verb
after `gwctl`, each verb's own options after `-`, and YAML files where the
verb takes a FILE. Runs the completion function in a real bash with the
gwctl just built first on PATH.
Usage: test_completion.py GWCTL COMPLETION_SCRIPT
"""
import os
import re
import subprocess
import sys
import tempfile


def complete(script, path_dir, words, cwd):
    line = " ".join(f"'{w}'" for w in words)
    prog = (f"shopt -s extglob; source '{script}'; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
            "_gwctl; printf '%s\\n' \"${COMPREPLY[@]}\"")
    env = dict(os.environ, PATH=f"{path_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    r = subprocess.run(["bash", "-c", prog], capture_output=True, text=True, env=env, cwd=cwd)
    return set(x for x in r.stdout.split("\n") if x)


def main():
    gwctl, script = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    help_text = subprocess.run([gwctl, "--help"], capture_output=True, text=True, check=True).stdout
    synopses = {m.group(1): m.group(2) for m in re.finditer(r"^  ([a-z][a-z-]*)(.*?)(?:[ ]{2,}|$)", help_text, re.M)}
    failures = []
    with tempfile.TemporaryDirectory() as d:
        os.symlink(gwctl, os.path.join(d, "gwctl"))
        for name in ("a.yaml", "b.yml", "notes.txt"):
            open(os.path.join(d, name), "w").close()
        verbs = complete(script, d, ["gwctl", ""], d)
        if verbs != set(synopses):
            failures.append(f"verbs offered {sorted(verbs)}, --help lists {sorted(synopses)}")
        for verb, synopsis in synopses.items():
            want = set(re.findall(r"--[a-z][a-z-]*", synopsis))
            got = complete(script, d, ["gwctl", verb, "--"], d)
            if got != want:
                failures.append(f"gwctl {verb} --<TAB>: offered {sorted(got)}, --help lists {sorted(want)}")
        files = complete(script, d, ["gwctl", "check", ""], d)
        if not {"a.yaml", "b.yml"} <= files or "notes.txt" in files:
            failures.append(f"gwctl check <TAB>: offered {sorted(files)}")
    for f in failures:
        print("FAIL:", f)
    print(f"bash completion: {len(synopses)} verbs checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
