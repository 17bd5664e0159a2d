#!/usr/bin/env python3
"""The man pages keep up with the program and the language.

Every verb and every option that `gwctl --help` lists must appear in
gwctl(8); every key of the language (all property names of the JSON
Schema, which tests/schema keeps in step with the parser) must appear in
gateway.yaml(5) as `key:` or "key"; gatewayd(8) must name every option of
the daemon's usage line. The pages are read as built (roff from go-md2man),
with font escapes removed.
Usage: test_man_pages.py GWCTL GATEWAYD SCHEMA GWCTL_8 GATEWAYD_8 GATEWAY_YAML_5
"""
import json
import re
import subprocess
import sys


def page_text(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\f[BCIRP]", "", text)
    return text.replace("\\-", "-").replace("\\\\", "\\")


def schema_keys(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "properties" and isinstance(v, dict):
                out.update(v)
            schema_keys(v, out)
    elif isinstance(node, list):
        for x in node:
            schema_keys(x, out)
    return out


def help_items(gwctl):
    text = subprocess.run([gwctl, "--help"], capture_output=True, text=True, check=True).stdout
    verbs, options = set(), set()
    for line in text.splitlines():
        m = re.match(r"^  ([a-z][a-z-]*)\b(.*?)([ ]{2,}|$)", line)
        if not m:
            continue
        verbs.add(m.group(1))
        options.update(re.findall(r"--[a-z][a-z-]*", m.group(2)))
    return verbs, options


def main():
    gwctl, gatewayd, schema, gwctl_8, gatewayd_8, yaml_5 = sys.argv[1:7]
    failures = []
    verbs, options = help_items(gwctl)
    man = page_text(gwctl_8)
    if len(verbs) < 5:
        failures.append(f"gwctl --help: only {sorted(verbs)} found; is the usage format changed?")
    for verb in sorted(verbs):
        if not re.search(rf"^{re.escape(verb)}\b", man, re.M) and f"gwctl {verb}" not in man:
            failures.append(f"gwctl(8) does not describe the verb '{verb}'")
    for opt in sorted(options):
        if opt not in man:
            failures.append(f"gwctl(8) does not describe the option '{opt}'")

    usage = subprocess.run([gatewayd, "--bogus"], capture_output=True, text=True).stderr
    daemon_opts = set(re.findall(r"--[a-z][a-z-]*", usage)) - {"--bogus"}
    if not daemon_opts:
        failures.append("gatewayd's usage line names no option")
    dman = page_text(gatewayd_8)
    failures += [f"gatewayd(8) does not describe '{o}'" for o in sorted(daemon_opts) if o not in dman]

    keys = schema_keys(json.load(open(schema)), set())
    lang = page_text(yaml_5)
    for key in sorted(keys):
        if not re.search(rf"(^|[\s{{,\[]){re.escape(key)}:", lang, re.M) and f'"{key}"' not in lang:
            failures.append(f"gateway.yaml(5) does not name the key '{key}'")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(verbs)} verbs, {len(options)} gwctl options, {len(daemon_opts)} daemon options, "
          f"{len(keys)} language keys checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
