"""A tiny lab of network namespaces for packet-level tests.

Every namespace, link and process a test makes is recorded and removed on
close (also on failure, Ctrl-C or SIGTERM), so a failed test leaves nothing
behind. Traffic stays inside these namespaces: hosts are joined by veth
pairs and bridges created here, and nothing is routed to the host.
"""
import atexit
import os
import signal
import subprocess
import sys
import textwrap
import time


def require_root(why="network namespaces"):
    """Exit 77 (meson: skipped), saying why, unless root."""
    if os.geteuid() != 0:
        print(f"skipping: needs root ({why})")
        sys.exit(77)


class Lab:
    def __init__(self, tag):
        # Short, unique names: several test programs may run at once.
        self.prefix = f"gw{os.getpid() % 100000}{tag}"[:10]
        self.namespaces = []
        self.processes = []
        atexit.register(self.close)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    # ---- topology -------------------------------------------------------

    def netns(self, name):
        full = f"{self.prefix}-{name}"
        subprocess.run(["ip", "netns", "add", full], check=True)
        self.namespaces.append(full)
        self.ip(full, "link set lo up")
        return full

    def ip(self, ns, args):
        self.run(ns, ["ip"] + args.split())

    def veth(self, ns_a, if_a, ns_b, if_b):
        """A veth pair with one end in each namespace, created there: the
        host namespace never holds it, not even for a moment."""
        self.ip(ns_a, f"link add {if_a} type veth peer name {if_b} netns {ns_b}")
        self.ip(ns_a, f"link set {if_a} up")
        self.ip(ns_b, f"link set {if_b} up")

    def bridge(self, ns, name):
        self.ip(ns, f"link add {name} type bridge")
        self.ip(ns, f"link set {name} up")

    def host(self, name, bridge_ns, bridge, address, gateway=None):
        """A namespace with one interface eth0 plugged into a bridge."""
        ns = self.netns(name)
        port = f"p-{name}"[:15]
        self.veth(ns, "eth0", bridge_ns, port)
        self.ip(bridge_ns, f"link set {port} master {bridge}")
        self.ip(ns, f"addr add {address} dev eth0")
        if gateway:
            self.ip(ns, f"route add default via {gateway}")
        return ns

    def sysctl(self, ns, key, value):
        self.run(ns, ["sysctl", "-qw", f"{key}={value}"])

    # ---- processes ------------------------------------------------------

    def run(self, ns, argv, check=True, input=None, timeout=30, env=None):
        cmd = ["ip", "netns", "exec", ns] + list(argv) if ns else list(argv)
        res = subprocess.run(cmd, input=input, capture_output=True, text=True,
                             timeout=timeout, env=env)
        if check and res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout}{res.stderr}")
        return res

    def spawn(self, ns, argv, **kw):
        cmd = ["ip", "netns", "exec", ns] + list(argv)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True, **kw)
        self.processes.append(proc)
        return proc

    # ---- servers and clients -------------------------------------------

    def tcp_server(self, ns, port, proto="tcp", ipv6=False):
        """Answers every connection (or datagram) with the peer's address,
        so a client learns which source address the server saw. With
        `ipv6` it listens on IPv6 only."""
        family, any_address = ("AF_INET6", "::") if ipv6 else ("AF_INET", "0.0.0.0")
        code = textwrap.dedent(f"""
            import socket, sys
            kind = socket.SOCK_STREAM if "{proto}" == "tcp" else socket.SOCK_DGRAM
            s = socket.socket(socket.{family}, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("{any_address}", {port}))
            if kind == socket.SOCK_STREAM:
                s.listen(64)
            print("ready", flush=True)
            while True:
                if kind == socket.SOCK_STREAM:
                    c, peer = s.accept()
                    c.sendall(("%s %s" % (peer[0], "{ns}")).encode())
                    c.close()
                else:
                    data, peer = s.recvfrom(2048)
                    s.sendto(("%s %s" % (peer[0], "{ns}")).encode(), peer)
        """)
        proc = self.spawn(ns, [sys.executable, "-c", code])
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"server on {ns}:{port} did not start: {proc.stderr.read()}")
        return proc

    def connect(self, ns, address, port, proto="tcp", timeout=2.0, family=None):
        """Connects and returns (peer_address_seen_by_server, server_ns), or None
        when the connection is refused, reset, or times out."""
        fam = "AF_INET6" if ":" in address else "AF_INET"
        code = textwrap.dedent(f"""
            import socket, sys
            kind = socket.SOCK_STREAM if "{proto}" == "tcp" else socket.SOCK_DGRAM
            s = socket.socket(socket.{fam}, kind)
            s.settimeout({timeout})
            try:
                s.connect(("{address}", {port}))
                if kind == socket.SOCK_DGRAM:
                    s.send(b"hello")
                print(s.recv(2048).decode())
            except (OSError, socket.timeout) as e:
                print("FAIL", type(e).__name__, e)
        """)
        out = self.run(ns, [sys.executable, "-c", code], timeout=timeout + 10).stdout.strip()
        if out.startswith("FAIL"):
            return None
        peer, server_ns = out.split()
        return peer, server_ns

    def ping(self, ns, address, count=1, timeout=2):
        return self.run(ns, ["ping", "-n", "-c", str(count), "-W", str(timeout), address],
                        check=False).returncode == 0

    # ---- teardown --------------------------------------------------------

    def close(self):
        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        self.processes.clear()
        for ns in reversed(self.namespaces):
            # Kill anything still inside before the namespace goes away.
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.namespaces.clear()


class Checks:
    """Collects named checks and prints a closing line; exits non-zero on failure."""

    def __init__(self, name):
        self.name, self.passed, self.failed, self.skipped = name, 0, 0, 0

    def check(self, what, ok, detail=""):
        """Counts and prints the check; returns whether it held."""
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what} {detail}")
        return bool(ok)

    def skip(self, what, why):
        self.skipped += 1
        print(f"skip {what}: {why}")

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped")
        sys.exit(1 if self.failed else 0)
