#!/usr/bin/env python3
"""Keeps schemas/gateway.schema.json honest: it must be a valid draft 2020-12
schema, accept every example and every good parser fixture, reject the bad
fixtures marked `# schema: reject` and its own reject cases, and name exactly
the keys of the language contract in docs/gateway.yaml.md, section by section.

Usage: test_schema.py SOURCE_ROOT
"""
import json
import pathlib
import re
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
SCHEMA_PATH = ROOT / "schemas" / "gateway.schema.json"
DOC_PATH = ROOT / "docs" / "gateway.yaml.md"
HERE = pathlib.Path(__file__).resolve().parent

# Schema definitions whose keys the contract documents in another section
# than the one that uses them ("allow-inbound: rules as in firewall").
DOCUMENTED_IN = {"rule": "firewall", "inbound-rule": "firewall", "log-spec": "firewall"}

failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


class CoreLoader(yaml.SafeLoader):
    """YAML 1.2 core schema scalars, as yaml-language-server reads them:
    only true/false are booleans, no sexagesimal numbers (which would turn an
    IPv6 address such as 1:2:3:4:5:6:7:8 into an integer)."""


CoreLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                       "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$"),
    list("-+0123456789."))


def construct_core_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 0) if text.startswith("0x") else int(text, 10)


CoreLoader.add_constructor("tag:yaml.org,2002:int", construct_core_int)


def load_yaml(text):
    return yaml.load(text, Loader=CoreLoader)


def all_errors(error):
    yield error
    for sub in error.context or []:
        yield from all_errors(sub)


def json_path(error):
    """$.a.b[0].c — spelled the same by every jsonschema version."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                         for p in error.absolute_path)


def describe(errors):
    best = jsonschema.exceptions.best_match(errors)
    return f"{json_path(best)}: {best.message[:200]}"


def validate_file(validator, path):
    """Schema errors of one YAML file; None when it does not load as YAML."""
    try:
        document = load_yaml(path.read_text())
    except yaml.YAMLError as e:
        return None, str(e).splitlines()[0]
    return list(validator.iter_errors(document)), None


# ---- the schema itself -------------------------------------------------------

def walk_schemas(node, where="$"):
    """Every subschema (dict) with its place in the schema file."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from walk_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_schemas(value, f"{where}/{i}")


# Keywords whose meaning is the same in draft 2020-12 and draft-07, plus two
# editor extensions. yaml-language-server implements draft-07; keeping to
# these makes it understand the whole schema despite the 2020-12 header.
PORTABLE_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "default",
    "type", "enum", "const", "properties", "additionalProperties", "propertyNames",
    "required", "items", "minItems", "maxItems", "minimum", "maximum", "minLength",
    "maxLength", "pattern", "anyOf", "oneOf", "allOf", "not", "if", "then", "else",
    "patternErrorMessage", "doNotSuggest",
}


def schema_keywords(node, where="$"):
    """(place, keyword) for every keyword used; names under properties/$defs
    are not keywords."""
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        yield where, key
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                yield from schema_keywords(sub, f"{where}/{key}/{name}")
        elif isinstance(value, dict):
            yield from schema_keywords(value, f"{where}/{key}")
        elif isinstance(value, list) and key in ("anyOf", "oneOf", "allOf"):
            for i, sub in enumerate(value):
                yield from schema_keywords(sub, f"{where}/{key}/{i}")


def check_schema_shape(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    before = len(failures)
    keywords = 0
    for where, keyword in schema_keywords(schema):
        keywords += 1
        if keyword not in PORTABLE_KEYWORDS:
            fail(f"schema {where}: keyword {keyword!r} is not understood by draft-07 editors")
    described = closed = 0
    for where, node in walk_schemas(schema):
        # An object is defined where it has a type; elsewhere `properties`
        # only adds a constraint (if/then, an anyOf branch).
        types = node.get("type", [])
        defines = "properties" in node and "object" in (types if isinstance(types, list) else [types])
        if defines:
            if node.get("additionalProperties") is not False:
                fail(f"schema {where}: an object without additionalProperties: false")
            closed += 1
            for name, sub in node["properties"].items():
                if sub is not False and "description" not in sub:
                    fail(f"schema {where}/properties/{name}: no description")
                described += 1
    verdict = "all closed and described" if len(failures) == before else "see failures above"
    print(f"schema: valid draft 2020-12; {keywords} keywords checked for draft-07 portability; "
          f"{closed} objects, {described} properties: {verdict}")


# ---- documents against the schema --------------------------------------------

def check_must_pass(validator, label, paths):
    passed = 0
    for path in paths:
        errors, not_yaml = validate_file(validator, path)
        if not_yaml:
            fail(f"{label} {path.name}: not YAML: {not_yaml}")
        elif errors:
            fail(f"{label} {path.name}: schema rejects it at {describe(errors)}")
        else:
            passed += 1
    print(f"{label}: {passed}/{len(paths)} accepted by the schema")


def first_line(path):
    with path.open() as f:
        return f.readline().strip()


def check_bad_fixtures(validator):
    bad_dir = ROOT / "tests" / "config" / "bad"
    paths = sorted(bad_dir.glob("*.yaml")) if bad_dir.is_dir() else []
    rejected = unlabelled = 0
    accept_labelled = []
    for path in paths:
        label = first_line(path)
        errors, not_yaml = validate_file(validator, path)
        valid = not not_yaml and not errors
        if label == "# schema: reject":
            if valid:
                fail(f"bad fixture {path.name} is marked '# schema: reject' "
                     "but the schema accepts it")
            else:
                rejected += 1
        elif label == "# schema: accept":
            accept_labelled.append((path.name, valid))
        else:
            unlabelled += 1
    passing = [name for name, valid in accept_labelled if valid]
    print(f"bad fixtures: {len(paths)} found; {rejected} marked reject and rejected; "
          f"{len(passing)}/{len(accept_labelled)} marked accept pass the schema "
          f"(only the parser can reject those); {unlabelled} unmarked")
    for name, valid in accept_labelled:
        if not valid:
            print(f"  note: {name} is marked accept but the schema rejects it")


def check_own_cases(validator):
    """tests/schema/reject/*.yaml: each starts with `# expect: <path>` naming
    the place ($.a.b[0].c) an error must be reported at."""
    cases = sorted((HERE / "reject").glob("*.yaml"))
    for path in cases:
        m = re.match(r"# expect: (\S+)", first_line(path))
        if not m:
            fail(f"schema case {path.name}: first line must be '# expect: <json path>'")
            continue
        errors, not_yaml = validate_file(validator, path)
        if not_yaml:
            fail(f"schema case {path.name}: not YAML: {not_yaml}")
            continue
        paths = {json_path(e) for top in errors for e in all_errors(top)}
        if m.group(1) not in paths:
            fail(f"schema case {path.name}: expected an error at {m.group(1)}, "
                 f"got {sorted(paths) or 'none'}")
    print(f"schema reject cases: {len(cases)} checked")
    check_must_pass(validator, "schema accept cases", sorted((HERE / "accept").glob("*.yaml")))


def doc_yaml_blocks(doc):
    return re.findall(r"^```yaml\n(.*?)^```", doc, re.S | re.M)


def check_doc_examples(validator, doc):
    blocks = doc_yaml_blocks(doc)
    good = bad = 0
    for i, block in enumerate(blocks, 1):
        document = load_yaml(block)
        if "version" not in document:
            document = {"version": 1, **document}
        errors = list(validator.iter_errors(document))
        first = block.splitlines()[0]
        if first.startswith("# rejected:"):
            bad += 1
            if not errors:
                fail(f"doc example {i} ({first}) is accepted by the schema")
        elif errors:
            fail(f"doc example {i} (section {next(iter(document.keys() - {'version'}), 'version')})"
                 f": {describe(errors)}")
        else:
            good += 1
    print(f"doc examples: {len(blocks)} yaml blocks, {good} accepted, {bad} rejected as marked")


# ---- schema keys against the contract key list --------------------------------

KEY = re.compile(r"(?<![\w<-])([a-z][a-z0-9-]*):(?=\s|$)")


def contract_keys(doc):
    """Key names per top-level section, read from the key list's code block:
    keys in the YAML-like lines, in flow maps `{a: .., b: ..}`, in indented
    comment lines `#   key: ...` (the shared <rule> and <log> shapes), and
    aliases written as `"key" is accepted as the same key`."""
    after = doc.split("\n## Key list", 1)
    if len(after) != 2:
        fail("docs: no '## Key list' heading")
        return {}
    block = re.search(r"^```[^\n]*\n(.*?)^```", after[1], re.S | re.M).group(1)
    sections, current = {}, None
    for line in block.splitlines():
        top = re.match(r"^([a-z][a-z0-9-]*):", line)
        if top:
            current = top.group(1)
            sections[current] = set()
        if current is None:
            continue
        code, _, comment = line.partition("#")
        keys = set(KEY.findall(code))
        described = re.match(r"^ {2,}([a-z][a-z0-9-]*):\s", comment)
        if described:
            keys.add(described.group(1))
        if re.match(r"^ {2,}\{", comment):
            keys |= set(KEY.findall(comment))
        keys |= set(re.findall(r'"([a-z][a-z0-9-]*)" is accepted as the same key', comment))
        sections[current] |= keys
    return sections


def schema_keys(schema, node, home, buckets, seen_refs=()):
    """Property names reachable from node, filed under the doc section that
    documents them (home, or DOCUMENTED_IN for shared definitions).
    Conditions (if/then/else/not) only restrict keys, so they are skipped."""
    if isinstance(node, list):
        for item in node:
            schema_keys(schema, item, home, buckets, seen_refs)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref and ref not in seen_refs:
        name = ref.rsplit("/", 1)[1]
        schema_keys(schema, schema["$defs"][name], DOCUMENTED_IN.get(name, home),
                    buckets, seen_refs + (ref,))
    for name, sub in node.get("properties", {}).items():
        if sub is not False:
            buckets.setdefault(home, set()).add(name)
            schema_keys(schema, sub, home, buckets, seen_refs)
    for key, value in node.items():
        if key in ("properties", "$ref", "if", "then", "else", "not", "$defs"):
            continue
        schema_keys(schema, value, home, buckets, seen_refs)


def check_contract(schema, doc):
    before = len(failures)
    doc_sections = contract_keys(doc)
    top = set(schema["properties"])
    if top != set(doc_sections):
        fail(f"top-level sections differ: schema only {sorted(top - set(doc_sections))}, "
             f"doc only {sorted(set(doc_sections) - top)}")
    compared = 0
    for section in sorted(top & set(doc_sections)):
        buckets = {}
        schema_keys(schema, schema["properties"][section], section, buckets)
        buckets.setdefault(section, set()).add(section)
        reachable = set().union(*buckets.values())
        missing = doc_sections[section] - reachable
        if missing:
            fail(f"section {section}: keys in the doc but not in the schema: {sorted(missing)}")
        for home, keys in buckets.items():
            undocumented = keys - doc_sections.get(home, set())
            if undocumented:
                fail(f"section {section}: schema keys not documented in section {home}: "
                     f"{sorted(undocumented)}")
        compared += len(doc_sections[section])
        print(f"contract {section}: {len(doc_sections[section])} doc keys, "
              f"{len(reachable)} schema keys")
    everywhere = {}
    schema_keys(schema, schema, "*", everywhere)
    schema_all = set().union(*everywhere.values())
    doc_all = set().union(*doc_sections.values())
    if schema_all != doc_all:
        fail(f"key sets differ: schema only {sorted(schema_all - doc_all)}, "
             f"doc only {sorted(doc_all - schema_all)}")
    verdict = "in step" if len(failures) == before else "DRIFTED (see failures above)"
    print(f"contract: {len(doc_sections)} sections, {compared} section keys, "
          f"{len(doc_all)} distinct key names in the doc, {len(schema_all)} in the schema: "
          f"{verdict}")


def main():
    schema = json.loads(SCHEMA_PATH.read_text())
    doc = DOC_PATH.read_text()
    check_schema_shape(schema)
    validator = jsonschema.Draft202012Validator(schema)
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    if not examples:
        fail("no examples/*.yaml found")
    check_must_pass(validator, "examples", examples)
    good_dir = ROOT / "tests" / "config" / "good"
    check_must_pass(validator, "good fixtures",
                    sorted(good_dir.glob("*.yaml")) if good_dir.is_dir() else [])
    check_bad_fixtures(validator)
    check_own_cases(validator)
    check_doc_examples(validator, doc)
    check_contract(schema, doc)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("all schema checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
