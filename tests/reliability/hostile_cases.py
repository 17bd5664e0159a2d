"""Hostile configs, generated: every case is a file that gwctl must refuse
(exit 2), at file:line:col when there is a line to point at, without
hanging, growing without bound or dying of a signal.

cases(workdir) yields Case objects; a case is either text/bytes written to
a file, or a special path (a directory, a FIFO, /dev/zero, ...). `located`
says whether the refusal must name a line and column: a file that is not
read at all (a FIFO, too big) has none.
"""
import os
import random
import stat

GOOD = """version: 1
interfaces:
  lan:
    device: {device}
    addresses: [{address}]
    mtu: {mtu}
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: {gateway}
    default-route: true
  isp:
    kind: pppoe
    device: wan0
    username: {username}
    password-file: {password_file}
    on-up: {on_up}
    hook-timeout: {hook_timeout}
    metric: {metric}
zones:
  lan:
    interfaces: [lan]
    networks: {networks}
  wan:
    uplinks: [wan]
nat:
  masquerade:
    - from: lan
      to: wan
  forwards:
    - name: {forward_name}
      proto: {proto}
      port: {port}
      to: {to}
firewall:
  input:
    policy: {policy}
    rules:
      - name: {rule_name}
        action: {action}
        from: lan
        proto: tcp
        port: 22
"""

# A good value for every slot; the hostile cases replace one slot at a time.
DEFAULTS = {
    "device": "lan0", "address": "172.16.2.1/16", "gateway": "192.0.2.1", "username": "user@isp.example",
    "password_file": "/etc/gatewayd/isp.password", "on_up": "/usr/local/sbin/ddns-update",
    "hook_timeout": "10", "networks": "172.16.0.0/16", "forward_name": "https", "proto": "tcp",
    "port": "443", "to": "172.16.1.100", "policy": "drop", "rule_name": "ssh", "action": "allow",
    "mtu": "1500", "metric": "500",
}

# Values that are wrong in any scalar slot.
ANY_SLOT = ["[1, 2]", "{a: 1}", "[]", "{}", "[[[]]]"]

# Per slot: values of the right shape but out of range, malformed or
# dangerous (shell metacharacters, slashes, over-long names).
PER_SLOT = {
    "device": ["averyveryverylongname0", "lan/0", "'lan 0'", "'..'", "'.'", "''", "'a:b'", "'$(reboot)x/'",
               "\"lan0\\u00e9\"", "0123456789abcdefg", "\"lan\\t0\"", "\"lan\\n0\""],
    "address": ["172.16.2.1/33", "256.1.1.1/24", "172.16.2/24", "'::1/129'", "notanaddress", "-1", "'1.2.3.4/-1'",
                "'$(id)'"],
    "gateway": ["192.0.2.256", "'192.0.2.1/24'", "gw.example.com", "'`id`'", "999999999999", "'0x1g'"],
    "username": ["''", "\"user\\n@isp\"", "\"user\\u0007@isp\""],
    "password_file": ["relative/path", "''"],
    "on_up": ["[/bin/true]", "{run: x}"],
    "mtu": ["0", "67", "65536", "-1", "big", "1e3", "'1500; reboot'"],
    "metric": ["-1", "4294967296", "low", "'5 0'"],
    "hook_timeout": ["0", "-1", "1e9", "99999999999999999999", "ten", "3601", "'10; reboot'"],
    "networks": ["172.16.0.0/99", "'::/200'", "lan", "'172.16.0.0/16; drop'", "-5"],
    "forward_name": ["'a;rm -rf /'", "'$(id)'", "'`id`'", "'x\"y'", "'has space'", "'UPPER'", "'-dash'", "''",
                     "averyveryverylongname0", "'a/b'", "'a|b'", "'a&&b'", "'x>y'"],
    "proto": ["tcpp", "icmp9", "'tcp; drop'", "6", "''", "'$(id)'"],
    "port": ["0", "65536", "70000", "-1", "'1-0'", "'100-99999'", "http", "'22;reboot'", "1.5", "0x10000",
             "99999999999999999999999"],
    "to": ["172.16.1.300", "'172.16.1.100:99999'", "'172.16.1.100:0'", "'::g'", "server", "'$(id)'"],
    "policy": ["dorp", "allow-all", "''", "'drop; accept'", "1"],
    "rule_name": ["'$(reboot)'", "'a b'", "'a;b'", "'a\\tb'", "'9start'", "''"],
    "action": ["alow", "DROP ALL", "''", "'accept;'", "0"],
}


class Case:
    def __init__(self, name, data=None, path=None, located=True, as_uid=None):
        self.name, self.data, self.path, self.located, self.as_uid = name, data, path, located, as_uid


def good(**slots):
    return GOOD.format(**dict(DEFAULTS, **slots))


# Slots where a list is a valid value (several ports).
LIST_OK = {"port": ["[1, 2]"]}


def typed_cases():
    for slot in DEFAULTS:
        values = [v for v in ANY_SLOT if v not in LIST_OK.get(slot, [])] + PER_SLOT.get(slot, [])
        for value in values:
            yield Case(f"{slot}={value}", good(**{slot: value}))


def key_cases():
    base = good()
    lines = base.splitlines(keepends=True)
    # An unknown key and a duplicate key under every mapping of the file.
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped.rstrip().endswith(":") or stripped.startswith("-"):
            continue
        indent = " " * (len(line) - len(stripped) + 2)
        first_child = lines[i + 1] if i + 1 < len(lines) else ""
        if not first_child.startswith(indent) or first_child[len(indent)] == " ":
            continue
        key = stripped.split(":")[0]
        yield Case(f"unknown key under {key}", "".join(lines[:i + 1] + [f"{indent}bogus-key: 1\n"] + lines[i + 1:]))
        yield Case(f"duplicate key under {key}", "".join(lines[:i + 2] + [first_child] + lines[i + 2:]))
    yield Case("unknown top-level key", base + "extras: {a: 1}\n")
    yield Case("misspelled section", base.replace("firewall:", "firewal:"))
    yield Case("duplicate top-level section", base + "zones: {}\n")
    yield Case("version 2", base.replace("version: 1", "version: 2"))
    yield Case("version 0", base.replace("version: 1", "version: 0"))
    yield Case("no version", base.replace("version: 1\n", ""))
    yield Case("version as string", base.replace("version: 1", "version: one"))


def structure_cases():
    deep = 10000
    yield Case("10k-deep flow lists", "version: 1\nnat: " + "[" * deep + "]" * deep + "\n")
    yield Case("10k-deep flow maps", "version: 1\nnat: " + "{a: " * deep + "1" + "}" * deep + "\n")
    # Block nesting costs its depth in indentation on every line: 2,000
    # levels is 2 MB, past the nesting limit by far and under the size limit.
    yield Case("2,000-deep block maps", "version: 1\n" + "".join(" " * i + f"k{i}:\n" for i in range(2000)))
    yield Case("2,000-deep block lists", "version: 1\nnat:\n" + "".join(" " * i + "-\n" for i in range(1, 2000)))
    yield Case("unterminated flow list", "version: 1\nzones: [a, b\n")
    yield Case("unterminated quote", "version: 1\nzones: \"abc\n")
    yield Case("tab indentation", "version: 1\nzones:\n\tlan: {}\n")
    yield Case("two documents", good() + "---\nversion: 1\n")
    yield Case("stray comma at document level", "version: 1\n,\n")
    yield Case("a scalar document", "just some words\n")
    yield Case("a list document", "- version: 1\n")
    yield Case("bad escape", "version: 1\nzones: \"\\q\"\n")
    yield Case("tag on a section", "version: 1\nzones: !!binary aGVsbG8=\n")
    for size in (10, 20, 40):
        laughs = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for i in range(1, size):
            laughs.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
        yield Case(f"alias bomb ({size} levels)", "\n".join(laughs) + "\n")
    yield Case("alias to an undefined anchor", "version: 1\nzones: *nowhere\n")
    yield Case("self-referencing alias", "version: 1\nzones: &a [*a]\n")
    yield Case("alias used as key", "version: 1\n&k zones: {}\n*k : {}\n")
    yield Case("merge key bomb", "version: 1\nb: &b {x: 1}\nzones: {<<: *b, <<: *b}\n")
    yield Case("many nodes, no alias (300k)", "version: 1\nsets:\n  big:\n    elements: [" + ", ".join(["1"] * 300000) + "]\n")
    yield Case("10,000 invalid rules", "version: 1\nfirewall:\n  input:\n    rules:\n"
               + "".join(f"      - {{name: r{i}, action: nope, port: 99999}}\n" for i in range(10000)))


def size_cases():
    twenty = 20 << 20
    yield Case("20 MB of comments", ("# " + "x" * 1021 + "\n") * (twenty // 1024), located=False)
    yield Case("20 MB single line", "version: 1\nzones: \"" + "a" * twenty + "\"\n", located=False)
    yield Case("a good config padded to 20 MB", good() + "# pad\n" * (twenty // 6), located=False)
    yield Case("16 MiB plus one byte", "#" * (16 << 20) + "\n", located=False)


def bytes_cases():
    rng = random.Random(20)
    for i in range(40):
        yield Case(f"random binary #{i}", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096))))
    text = good().encode()
    yield Case("NUL byte in a value", text.replace(b"user@isp", b"user\0@isp"))
    yield Case("NUL byte at the end", text + b"\0")
    yield Case("invalid UTF-8 in the username", text.replace(b"user@isp", b"user\xff\xfe@isp"))
    yield Case("invalid UTF-8 in a comment only", text + b"# caf\xe9\n")
    yield Case("invalid UTF-8 in a key", text.replace(b"nat:", b"n\xc3t:"))
    yield Case("overlong slash", text.replace(b"lan0", b"lan\xc0\xaf"))
    yield Case("UTF-16 surrogate", text.replace(b"https", b"ht\xed\xa0\x80ps"))
    yield Case("code point past U+10FFFF", text.replace(b"https", b"h\xf4\x90\x80\x80"))
    yield Case("truncated sequence at the end", text + b"# \xe2\x82")
    yield Case("lone continuation byte", b"version: 1\n\x80\n")
    yield Case("UTF-16 encoded file", good().encode("utf-16"))
    yield Case("Latin-1 file", "version: 1\nzones: {caf\u00e9: {}}\n".encode("latin-1"))


def empty_cases():
    for name, text in [("empty", ""), ("whitespace", "  \n\n \n"), ("comments only", "# nothing\n# here\n"),
                       ("document marker only", "---\n"), ("end marker only", "...\n"), ("null", "~\n"),
                       ("empty mapping", "{}\n"), ("empty list", "[]\n")]:
        yield Case(f"{name} file", text)


def special_cases(workdir):
    d = os.path.join(workdir, "a-directory")
    os.mkdir(d)
    yield Case("a directory", path=d, located=False)
    fifo = os.path.join(workdir, "a-fifo")
    os.mkfifo(fifo)
    yield Case("a FIFO", path=fifo, located=False)
    yield Case("/dev/zero", path="/dev/zero", located=False)
    yield Case("/dev/null", path="/dev/null", located=False)
    yield Case("/dev/urandom", path="/dev/urandom", located=False)
    link = os.path.join(workdir, "link-to-zero")
    os.symlink("/dev/zero", link)
    yield Case("a symlink to /dev/zero", path=link, located=False)
    yield Case("a missing file", path=os.path.join(workdir, "missing.yaml"), located=False)
    yield Case("/proc/self/environ (regular, not a config)", path="/proc/self/environ")
    if os.geteuid() == 0:  # only root can make a file its caller cannot read
        secret = os.path.join(workdir, "root-only.yaml")
        with open(secret, "w") as f:
            f.write(good())
        os.chmod(secret, 0o600)
        yield Case("a root-only file read by nobody", path=secret, located=False, as_uid=65534)
    sock = os.path.join(workdir, "a-socket")
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock)
    yield Case("a socket", path=sock, located=False)


def semantic_cases():
    yield Case("zone names an unknown interface", good().replace("interfaces: [lan]", "interfaces: [nope]"))
    yield Case("forward to an unknown zone", good().replace("from: lan\n      to: wan", "from: lan\n      to: mars"))
    yield Case("uplink on a missing device kind", good().replace("kind: next-hop", "kind: carrier-pigeon"))
    yield Case("inline password", good().replace("password-file: /etc/gatewayd/isp.password",
                                                 "password: hunter2-never-shown"))
    yield Case("two forwards on one port", good().replace(
        "      to: 172.16.1.100\n", "      to: 172.16.1.100\n    - name: again\n      proto: tcp\n      port: 443\n"
        "      to: 172.16.1.101\n"))


def cases(workdir):
    for gen in (typed_cases(), key_cases(), structure_cases(), size_cases(), bytes_cases(), empty_cases(),
                special_cases(workdir), semantic_cases()):
        yield from gen


def materialize(case, workdir, index):
    """The path gwctl gets for `case` (written under workdir if it has data)."""
    if case.path:
        return case.path
    path = os.path.join(workdir, f"case-{index:04d}.yaml")
    with open(path, "wb") as f:
        f.write(case.data if isinstance(case.data, bytes) else case.data.encode())
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    return path
