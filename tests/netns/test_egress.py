#!/usr/bin/env python3
"""Egress owner rules on the real kernel: `gwctl apply` in a server
namespace, then connections to a peer namespace from processes running
under different uids/gids (setpriv), using Debian's base accounts daemon,
bin, proxy and nobody. Checks the allow form (reject and drop, to the peer
and to a local service over lo), a group rule, the IPv4-only deny form,
reject for TCP and UDP, the counters in `gwctl status`, and that a config
naming a missing user changes nothing.

    [srv] eth0 192.0.2.1, 2001:db8:e::1 ──veth── eth0 192.0.2.2, 2001:db8:e::2 [peer]

Then examples/egress.yaml as shipped, on the addresses it names, checked
against what the README and its comments say of it: who may reach the
database port, proxy kept off IPv4 web, counters, and its incoming side
(SSH only). Its `dbuser` is not a Debian account:
gwctl and the clients run where a copy of /etc/passwd and /etc/group that
has it is bind-mounted over the real ones (accounts_overlay.py); the host's
accounts are not touched.

    [gw] eth0 192.0.2.10, 2001:db8:10::10 ──veth── eth0 192.0.2.1, 2001:db8:10::1 [router]

Usage: test_egress.py GWCTL EXAMPLE   (root; EXAMPLE is examples/egress.yaml)"""
import json
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time

from accounts_overlay import AccountsOverlay
from netlab import Checks, Lab
import probe_server

PEER4, PEER6 = "192.0.2.2", "2001:db8:e::2"
PORT_REJECT, PORT_DROP, PORT_GROUP, PORT_WEB, PORT_BOTH = 12345, 12346, 5432, 80, 5353

CONFIG = """\
version: 1
firewall:
  input:
    policy: accept
egress:
  - name: db-only
    port: 12345
    users: [daemon]
  - name: db-drop
    port: 12346
    users: [daemon]
    action: drop
  - name: by-group
    port: 5432
    groups: [daemon]
  - name: proxy-v6
    port: [80, 443]
    family: ipv4
    deny-users: [proxy]
  - name: both-protos
    proto: both
    port: 5353
    users: [daemon]
"""

# The same rules plus one that names a user this host does not have.
MISSING_USER = CONFIG + """\
  - name: ghost
    port: 8080
    deny-users: [gw-no-such-user]
"""

# Prints OK, REFUSED (a TCP reset: the reject action), TIMEOUT (the drop
# action) or the errno name of anything else. A datagram the output hook
# refuses fails its send with EPERM (reject and drop alike); the receive
# after it then shows whether an ICMP error came back: "EPERM EHOSTUNREACH".
CLIENT = textwrap.dedent("""
    import errno, socket, sys
    address, port, timeout, proto = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect((address, port))
        if proto == "udp":
            try:
                s.send(b"hi")
            except PermissionError:
                print("EPERM", end=" ")
        print("OK" if s.recv(256) else "BADREPLY")
    except ConnectionRefusedError:
        print("REFUSED")
    except socket.timeout:
        print("TIMEOUT")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))
""")


def start_server(lab, ns, ports):
    """Dual-stack listeners ("tcp:80", "udp:5353") that answer every
    connection or datagram."""
    probe_server.start_server(lab, ns, ns, ports)


def connect_as(ns, uid, gid, address, port, timeout=3.0, proto="tcp", wrap=list):
    """Runs CLIENT in `ns` as uid/gid with no supplementary groups; `wrap`
    turns the command line into the one to run (an accounts overlay)."""
    argv = ["ip", "netns", "exec", ns, "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            sys.executable, "-I", "-c", CLIENT, address, str(port), str(timeout), proto]
    res = subprocess.run(wrap(argv), capture_output=True, text=True, timeout=timeout + 20, cwd="/")
    return res.stdout.strip() or f"no output: {res.stderr.strip()}"


class EgressLab:
    def __init__(self):
        self.lab = lab = Lab("eg")
        self.srv = lab.netns("srv")
        self.peer = lab.netns("peer")
        lab.veth(self.srv, "eth0", self.peer, "eth0")
        lab.ip(self.srv, "addr add 192.0.2.1/24 dev eth0")
        lab.ip(self.peer, f"addr add {PEER4}/24 dev eth0")
        lab.ip(self.srv, "addr add 2001:db8:e::1/64 dev eth0 nodad")
        lab.ip(self.peer, f"addr add {PEER6}/64 dev eth0 nodad")
        ports = [f"tcp:{p}" for p in (PORT_REJECT, PORT_DROP, PORT_GROUP, PORT_WEB, PORT_BOTH)]
        start_server(lab, self.peer, [*ports, f"udp:{PORT_BOTH}"])
        # A local service on the server itself, reached over lo.
        start_server(lab, self.srv, [f"tcp:{PORT_REJECT}"])

    def connect(self, user, address, port, group=None, timeout=3.0, proto="tcp"):
        """Connects from the server namespace as `user` (primary group
        `group`, default the user's own) with no supplementary groups."""
        pw = pwd.getpwnam(user)
        gid = pw.pw_gid if group is None else group
        return connect_as(self.srv, pw.pw_uid, gid, address, port, timeout, proto)

    def close(self):
        self.lab.close()


def check_owners(t, e):
    for addr in (PEER4, PEER6):
        got = e.connect("daemon", addr, PORT_REJECT)
        t.check(f"allowed user daemon connects to {addr} port {PORT_REJECT}", got == "OK", got)
        got = e.connect("bin", addr, PORT_REJECT)
        t.check(f"user bin is refused at once (reset) to {addr} port {PORT_REJECT}", got == "REFUSED", got)
    got = e.connect("root", PEER4, PORT_REJECT)
    t.check("root is not in the allow list: refused", got == "REFUSED", got)
    got = e.connect("daemon", "127.0.0.1", PORT_REJECT)
    t.check("a local service over lo: daemon connects", got == "OK", got)
    got = e.connect("bin", "127.0.0.1", PORT_REJECT)
    t.check("a local service over lo: bin is refused too", got == "REFUSED", got)

    got = e.connect("daemon", PEER4, PORT_DROP)
    t.check(f"allowed user daemon connects to port {PORT_DROP}", got == "OK", got)
    got = e.connect("bin", PEER4, PORT_DROP, timeout=1.5)
    t.check(f"user bin is dropped (the connect times out) on port {PORT_DROP}", got == "TIMEOUT", got)

    daemon_gid, nogroup = pwd.getpwnam("daemon").pw_gid, pwd.getpwnam("nobody").pw_gid
    got = e.connect("nobody", PEER6, PORT_GROUP, group=daemon_gid)
    t.check("group rule: nobody with group daemon connects", got == "OK", got)
    got = e.connect("nobody", PEER6, PORT_GROUP, group=nogroup)
    t.check("group rule: nobody with group nogroup is refused", got == "REFUSED", got)

    got = e.connect("proxy", PEER4, PORT_WEB)
    t.check("deny form: proxy is refused IPv4 HTTP", got == "REFUSED", got)
    got = e.connect("proxy", PEER6, PORT_WEB)
    t.check("deny form: proxy keeps IPv6 HTTP", got == "OK", got)
    for user in ("bin", "root"):
        got = e.connect(user, PEER4, PORT_WEB)
        t.check(f"deny form: {user} keeps IPv4 HTTP", got == "OK", got)
    check_both_protocols(t, e)


def check_both_protocols(t, e):
    """proto both with reject: TCP gets a reset; a UDP send fails with EPERM
    and ICMP administratively prohibited comes back, which Linux reports as
    EHOSTUNREACH (IPv4, code 13) and EACCES (IPv6, code 1)."""
    for addr in (PEER4, PEER6):
        for proto in ("tcp", "udp"):
            got = e.connect("daemon", addr, PORT_BOTH, proto=proto)
            t.check(f"proto both: daemon connects over {proto} to {addr}", got == "OK", got)
    t.check("proto both: bin's TCP is reset", e.connect("bin", PEER4, PORT_BOTH) == "REFUSED")
    got = e.connect("bin", PEER4, PORT_BOTH, proto="udp", timeout=1.5)
    t.check("proto both: bin's UDP over IPv4 gets admin-prohibited", got == "EPERM EHOSTUNREACH", got)
    got = e.connect("bin", PEER6, PORT_BOTH, proto="udp", timeout=1.5)
    t.check("proto both: bin's UDP over IPv6 gets admin-prohibited", got == "EPERM EACCES", got)


def check_counters(t, e, gwctl):
    res = e.lab.run(e.srv, [gwctl, "status", "--json"], check=False)
    t.check("gwctl status --json exits 0", res.returncode == 0, res.stderr)
    if res.returncode != 0:
        return
    status = json.loads(res.stdout)
    rules = {(r["chain"], r["name"]): r["packets"] for r in status.get("rules", [])}
    drops = {(d["chain"], d["name"]): d["packets"] for d in status.get("drops", [])}
    # One SYN per refused connect: bin v4, bin v6, root v4, bin over lo.
    t.check("db-only counted the four refused connections", rules.get(("output", "db-only")) == 4, f"{rules}")
    t.check("proxy-v6 counted the one refused connection", rules.get(("output", "proxy-v6")) == 1, f"{rules}")
    t.check("by-group counted the one refused connection", rules.get(("output", "by-group")) == 1, f"{rules}")
    t.check("db-drop counted the dropped SYNs", rules.get(("output", "db-drop"), 0) >= 1, f"{rules}")
    t.check("egress refusals show as output drops", drops.get(("output", "db-only")) == 4, f"{drops}")


def ruleset_text(e):
    return e.lab.run(e.srv, ["nft", "-s", "list", "table", "inet", "gatewayd"]).stdout


def check_missing_user(t, e, gwctl, good, bad):
    before = ruleset_text(e)
    res = e.lab.run(e.srv, [gwctl, "apply", str(bad)], check=False, timeout=60)
    t.check("apply with a missing user fails", res.returncode != 0, res.stdout + res.stderr)
    line = next(i for i, text in enumerate(MISSING_USER.splitlines(), 1) if "gw-no-such-user" in text)
    col = MISSING_USER.splitlines()[line - 1].index("gw-no-such-user") + 1
    where = f'{bad}:{line}:{col}: user "gw-no-such-user" does not exist'
    t.check("the error names the user at its config line", where in res.stderr, res.stdout + res.stderr)
    t.check("the ruleset is left as it was", ruleset_text(e) == before)
    res = e.lab.run(e.srv, [gwctl, "diff", str(good)], check=False)
    t.check("gwctl diff against the previous config: no change", res.returncode == 0, res.stdout + res.stderr)
    got = e.connect("bin", PEER4, PORT_REJECT)
    t.check("the previous rules still refuse bin", got == "REFUSED", got)
    got = e.connect("daemon", PEER4, PORT_REJECT)
    t.check("the previous rules still let daemon through", got == "OK", got)


# ---- examples/egress.yaml as shipped ------------------------------------

# The example's default router, played by the peer namespace, and the ports
# its rules name: the database and IPv4 HTTP(S).
EX_ROUTER4, EX_ROUTER6 = "192.0.2.1", "2001:db8:10::1"
EX_DB, EX_WEB = 12345, (80, 443)


class ExampleLab:
    def __init__(self, tmp):
        self.accounts = AccountsOverlay(tmp, ["dbuser"])
        self.lab = lab = Lab("ex")
        self.gw = lab.netns("gw")
        self.router = lab.netns("router")
        # The gateway side stays bare: applying the example gives it its
        # addresses and default route.
        lab.veth(self.gw, "eth0", self.router, "eth0")
        lab.ip(self.router, f"addr add {EX_ROUTER4}/24 dev eth0")
        lab.ip(self.router, f"addr add {EX_ROUTER6}/64 dev eth0 nodad")
        start_server(lab, self.router, [f"tcp:{p}" for p in (EX_DB, *EX_WEB)])

    def run(self, argv, timeout=60):
        """argv in the gateway namespace, where dbuser exists."""
        return self.lab.run(None, self.accounts.wrap(["ip", "netns", "exec", self.gw, *argv]),
                            check=False, timeout=timeout)

    def connect(self, user, address, port):
        uid, gid = self.accounts.lookup(user)
        return connect_as(self.gw, uid, gid, address, port, wrap=self.accounts.wrap)

    def snapshot(self):
        """What an apply would change: the ruleset, addresses and routes."""
        cmds = (["nft", "list", "ruleset"], ["ip", "addr", "show", "dev", "eth0"], ["ip", "-4", "route"],
                ["ip", "-6", "route"])
        return [self.lab.run(self.gw, c, check=False).stdout for c in cmds]

    def wait_for_dad(self, limit=10.0):
        """The applied IPv6 address is usable once duplicate address
        detection is over; True when no address is tentative any more."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            out = self.lab.run(self.gw, ["ip", "-6", "addr", "show", "dev", "eth0", "tentative"]).stdout
            if "inet6" not in out:
                return True
            time.sleep(0.2)
        return False

    def close(self):
        self.lab.close()


def check_example_needs_dbuser(t, ex, gwctl, example):
    """On the bare host (no dbuser) the example is refused at its line and
    nothing changes, as the README says of a missing user."""
    try:
        pwd.getpwnam("dbuser")
        t.skip("the example refused without dbuser", "this host has a dbuser account")
        return
    except KeyError:
        pass
    lines = pathlib.Path(example).read_text().splitlines()
    line = next((i for i, text in enumerate(lines, 1) if "users: [dbuser]" in text and "#" not in text), None)
    if line is None:
        t.check("the example names dbuser in an allow list", False, example)
        return
    where = f'{example}:{line}:{lines[line - 1].index("dbuser") + 1}: user "dbuser" does not exist'
    before = ex.snapshot()
    res = ex.lab.run(ex.gw, [gwctl, "apply", example], check=False, timeout=60)
    t.check("example without dbuser: apply fails", res.returncode != 0, res.stdout + res.stderr)
    t.check("example without dbuser: the error names dbuser at its line", where in res.stderr,
            res.stdout + res.stderr)
    t.check("example without dbuser: nothing changed", ex.snapshot() == before)


def check_example_applied(t, ex, gwctl, example):
    res = ex.run([gwctl, "apply", example])
    t.check("example: gwctl apply exits 0 where dbuser exists", res.returncode == 0, res.stdout + res.stderr)
    if res.returncode != 0:
        return False
    addrs = ex.lab.run(ex.gw, ["ip", "addr", "show", "dev", "eth0"]).stdout
    for addr in ("192.0.2.10/24", "2001:db8:10::10/64"):
        t.check(f"example: eth0 has {addr}", f" {addr} " in addrs, addrs)
    route = ex.lab.run(ex.gw, ["ip", "-4", "route", "show", "default"]).stdout
    t.check(f"example: default route via {EX_ROUTER4}", f"via {EX_ROUTER4} dev eth0" in route, route)
    t.check("example: the IPv6 address leaves duplicate address detection", ex.wait_for_dad())
    return True


def check_example_database(t, ex):
    """Only dbuser reaches the database port; any other uid, root too, is
    refused at once (a reset, not a timeout)."""
    for addr in (EX_ROUTER4, EX_ROUTER6):
        got = ex.connect("dbuser", addr, EX_DB)
        t.check(f"example db-only: dbuser connects to {addr} port {EX_DB}", got == "OK", got)
        for user in ("nobody", "root"):
            got = ex.connect(user, addr, EX_DB)
            t.check(f"example db-only: {user} is refused (reset) to {addr} port {EX_DB}", got == "REFUSED", got)


def check_example_proxy(t, ex):
    """proxy is refused IPv4 HTTP(S) at once and reaches them over IPv6;
    other users keep IPv4 web access."""
    for port in EX_WEB:
        got = ex.connect("proxy", EX_ROUTER4, port)
        t.check(f"example proxy-v6: proxy is refused (reset) IPv4 port {port}", got == "REFUSED", got)
        got = ex.connect("proxy", EX_ROUTER6, port)
        t.check(f"example proxy-v6: proxy reaches port {port} over IPv6", got == "OK", got)
        for user in ("nobody", "dbuser", "root"):
            got = ex.connect(user, EX_ROUTER4, port)
            t.check(f"example proxy-v6: {user} keeps IPv4 port {port}", got == "OK", got)


def check_example_inbound(t, ex):
    """The example's incoming side: SSH is let in, anything else dropped;
    the replies to the server's own connections got in above."""
    start_server(ex.lab, ex.gw, ["tcp:22", "tcp:8080"])
    for addr in ("192.0.2.10", "2001:db8:10::10"):
        got = connect_as(ex.router, 0, 0, addr, 22)
        t.check(f"example input: SSH to {addr} is let in", got == "OK", got)
        got = connect_as(ex.router, 0, 0, addr, 8080, timeout=1.5)
        t.check(f"example input: port 8080 on {addr} is dropped (times out)", got == "TIMEOUT", got)


def check_example_counters(t, ex, gwctl):
    res = ex.run([gwctl, "status", "--json"])
    t.check("example: gwctl status --json exits 0", res.returncode == 0, res.stderr)
    if res.returncode != 0:
        return
    status = json.loads(res.stdout)
    rules = {(r["chain"], r["name"]): r["packets"] for r in status.get("rules", [])}
    drops = {(d["chain"], d["name"]): d["packets"] for d in status.get("drops", [])}
    # One SYN per refused connect: nobody and root, each over both families.
    t.check("example: db-only counted the four refused connections", rules.get(("output", "db-only")) == 4,
            f"{rules}")
    t.check("example: proxy-v6 counted the two refused connections", rules.get(("output", "proxy-v6")) == 2,
            f"{rules}")
    t.check("example: ssh counted the two connections let in", rules.get(("input", "ssh")) == 2, f"{rules}")
    # At least the first SYN of each connect to port 8080 (retransmits and
    # other unsolicited packets add to it).
    t.check("example: the input policy counted the dropped SYNs", drops.get(("input", "policy"), 0) >= 2,
            f"{drops}")


def run_example(t, gwctl, example, tmp):
    ex = ExampleLab(tmp)
    try:
        check_example_needs_dbuser(t, ex, gwctl, example)
        if not check_example_applied(t, ex, gwctl, example):
            return
        check_example_database(t, ex)
        check_example_proxy(t, ex)
        check_example_inbound(t, ex)
        check_example_counters(t, ex, gwctl)
        res = ex.run([gwctl, "diff", example])
        t.check("example: gwctl diff after apply: no change", res.returncode == 0, res.stdout + res.stderr)
    finally:
        ex.close()


def run_own_rules(t, gwctl, tmp):
    good, bad = tmp / "egress.yaml", tmp / "missing-user.yaml"
    good.write_text(CONFIG)
    bad.write_text(MISSING_USER)
    e = EgressLab()
    try:
        res = e.lab.run(e.srv, [gwctl, "apply", str(good)], check=False, timeout=60)
        t.check("gwctl apply exits 0", res.returncode == 0, res.stdout + res.stderr)
        if res.returncode != 0:
            return
        check_owners(t, e)
        check_counters(t, e, gwctl)
        res = e.lab.run(e.srv, [gwctl, "diff", str(good)], check=False)
        t.check("gwctl diff after apply: no change (the kernel holds what was compiled)",
                res.returncode == 0, res.stdout + res.stderr)
        check_missing_user(t, e, gwctl, good, bad)
    finally:
        e.close()


def main():
    gwctl, example = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("skipping: needs root (network namespaces)")
        sys.exit(77)
    for tool in ("setpriv", "nft", "ip", "unshare"):
        if not shutil.which(tool):
            print(f"FAIL: {tool} is not installed (scripts/deps.sh installs it)")
            sys.exit(1)
    if not shutil.which("mount"):
        print("FAIL: mount is not installed (Debian's required package mount has it)")
        sys.exit(1)
    t = Checks("egress owner rules")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gw-egress-"))
    try:
        run_own_rules(t, gwctl, tmp)
        run_example(t, gwctl, example, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if __name__ == "__main__":
    main()
