"""Running the real gatewayd in a test: a private dbus-daemon (never the
host's system bus), a NOTIFY_SOCKET listener that sees READY=1 and STATUS=
as systemd would, the daemon itself inside a lab network namespace, and
gwctl pointed at the same bus (as root, or as an unprivileged uid).

A test that needs a `gatewayd` group calls private_group() first: the
program re-executes itself in a private mount namespace where /etc/group
is a bind-mounted copy with that group added, so the host's databases are
never modified and the change disappears with the test.
"""
import atexit
import contextlib
import grp
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "netns"))
from netlab import Checks, Lab  # noqa: E402,F401

NOBODY = 65534

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  {include}
</busconfig>
"""


def require_root():
    """Exit 77 (meson: skipped) unless root: namespaces and nftables need it."""
    if os.geteuid() != 0:
        print("skipping: needs root (network namespaces, nftables, setpriv)")
        sys.exit(77)


def private_group(name="gatewayd", members=("nobody",)):
    """Re-executes the program in a private mount namespace with a group
    `name` in /etc/group; returns its gid (in the re-executed program)."""
    if os.environ.get("GW_PRIVATE_GROUP") != name:
        env = dict(os.environ, GW_PRIVATE_GROUP=name)
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                               sys.executable] + sys.argv, env)
    used = {g.gr_gid for g in grp.getgrall()}
    gid = next(g for g in range(64000, 65000) if g not in used)
    fd, path = tempfile.mkstemp(prefix="gw-group-")
    with os.fdopen(fd, "w") as f:
        f.write(open("/etc/group").read().rstrip("\n") + f"\n{name}:x:{gid}:{','.join(members)}\n")
    os.chmod(path, 0o644)
    subprocess.run(["mount", "--bind", path, "/etc/group"], check=True)
    os.unlink(path)  # the mount keeps it alive
    return gid


class Bus:
    """A dbus-daemon of our own. `policy` is a bus policy file to include
    (the installed net.gatewayd.Gateway1.conf); without one anyone may
    call anything, so only the daemon's own checks stand."""

    def __init__(self, workdir, policy=None):
        self.socket = os.path.join(workdir, "bus")
        config = os.path.join(workdir, "bus.conf")
        include = f"<include>{os.path.abspath(policy)}</include>" if policy else ""
        with open(config, "w") as f:
            f.write(BUS_CONFIG.format(socket=self.socket, include=include))
        self.proc = subprocess.Popen(["dbus-daemon", "--nofork", "--print-address", f"--config-file={config}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address.startswith("unix:"):
            raise RuntimeError(f"dbus-daemon did not start: {self.address}")
        os.chmod(self.socket, 0o777)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        self.proc.stdout.close()


class Notify:
    """The service manager's end of NOTIFY_SOCKET. Like systemd it reads
    every datagram as it comes (a background thread): gatewayd's sd_notify()
    blocks once the socket queue is full, so a listener that stopped reading
    after READY=1 would stall the daemon."""

    def __init__(self, workdir):
        self.path = os.path.join(workdir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            try:
                msg = self.sock.recv(4096).decode()
            except OSError:
                return
            with self.cond:
                self.messages.append(msg)
                self.cond.notify_all()

    def _said(self, field):
        return any(field in m.split("\n") for m in self.messages)

    def wait_for(self, field, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self._said(field), timeout)

    def reset(self):
        """Forgets what was said so far (a READY=1 left over from an earlier
        daemon must not count)."""
        with self.cond:
            self.messages.clear()


class Gateway:
    """gatewayd in namespace `ns` of `lab`, with gwctl beside it."""

    def __init__(self, lab, ns, gatewayd, gwctl, workdir, bus):
        self.lab, self.ns, self.gatewayd, self.gwctl = lab, ns, gatewayd, gwctl
        self.workdir, self.bus = workdir, bus
        os.chmod(workdir, 0o755)  # the bus socket must be reachable for other uids
        self.config = os.path.join(workdir, "gateway.yaml")
        self.run_dir = os.path.join(workdir, "run")
        self.notify = Notify(workdir)
        self.proc = None
        self.log_path = os.path.join(workdir, "gatewayd.log")

    def env(self):
        return dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address, NOTIFY_SOCKET=self.notify.path)

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self, timeout=30, extra_env=None, debounce_ms=50, extra_args=()):
        """Starts the daemon; True once it said READY=1. `extra_args` go on
        its command line (e.g. ["--pppd", standin] for PPPoE uplinks)."""
        self.notify.reset()
        env = dict(self.env(), **(extra_env or {}))
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(["ip", "netns", "exec", self.ns, self.gatewayd, "--config", self.config,
                                      "--run-dir", self.run_dir, "--debounce-ms", str(debounce_ms)]
                                     + list(extra_args),
                                     env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.lab.processes.append(self.proc)
        return self.notify.wait_for("READY=1", timeout)

    def send(self, signo):
        self.proc.send_signal(signo)

    def stop(self, signo=signal.SIGTERM, timeout=10):
        """Stops the daemon; its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signo)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log(self):
        return open(self.log_path).read() if os.path.exists(self.log_path) else ""

    def gwctl_run(self, *args, uid=None, groups=None, timeout=120):
        """gwctl in the gateway namespace; as root, or as `uid` with only `groups`."""
        argv = [self.gwctl] + list(args)
        if uid is not None:
            grp_arg = ["--groups=" + ",".join(map(str, groups))] if groups else ["--clear-groups"]
            argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}"] + grp_arg + argv
        return self.lab.run(self.ns, argv, check=False, timeout=timeout, env=self.env())

    def busctl(self, *args):
        """busctl on the test's bus, addressed at the daemon's object."""
        argv = ["busctl", f"--address={self.bus.address}"] + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=30)

    # ---- what the kernel holds ------------------------------------------

    def nft(self, args):
        return self.lab.run(self.ns, ["nft"] + args.split(), check=False)

    def table_text(self):
        """gatewayd's inet table as nft lists it, counter values left out
        (traffic moves them), or "" when there is none."""
        res = self.nft("list table inet gatewayd")
        return re.sub(r"counter packets \d+ bytes \d+", "counter", res.stdout) if res.returncode == 0 else ""

    def addresses(self, dev):
        res = self.lab.run(self.ns, ["ip", "-o", "addr", "show", "dev", dev], check=False)
        return re.findall(r"inet6? (\S+)", res.stdout)

    def wait_until(self, predicate, timeout=30.0, step=0.05):
        return wait_until(predicate, timeout, step)


def wait_until(predicate, timeout=30.0, step=0.05):
    """True as soon as predicate() holds; False once `timeout` seconds
    passed without. The bound is generous (a busy machine is slow): it
    costs nothing when the event comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def workdir():
    """A temporary folder for one test run, removed when the script exits
    (also after a failed check or an exception)."""
    d = tempfile.mkdtemp(prefix="gwd-")
    atexit.register(shutil.rmtree, d, ignore_errors=True)
    return d


@contextlib.contextmanager
def daemon_lab(tag, policy=None):
    """Yields (Lab, workdir, Bus): namespaces named by `tag`, a temporary
    folder and a private bus (with `policy` included, see Bus). Lab and bus
    are closed when the block ends, also after a failed check, an
    exception or sys.exit; the folder goes at exit."""
    lab = Lab(tag)
    wd = workdir()
    bus = Bus(wd, policy)
    try:
        yield lab, wd, bus
    finally:
        lab.close()
        bus.close()


def base_config(port=443, lan="172.16.2.1/16", extra_forwards=0):
    """A LAN, a next-hop uplink to 192.0.2.1, masquerade and forwards."""
    forwards = [f"""    - name: https
      proto: tcp
      port: {port}
      to: 172.16.1.100"""]
    for i in range(extra_forwards):
        forwards.append(f"""    - name: f{i}
      proto: tcp
      port: {20000 + i}
      to: 172.16.1.{100 + i % 100}""")
    return f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [{lan}]
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: 192.0.2.1
    default-route: true
zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [wan]
nat:
  masquerade:
    - from: lan
      to: wan
  forwards:
""" + "\n".join(forwards) + """
firewall:
  input:
    policy: drop
    rules:
      - name: ssh
        action: allow
        from: lan
        proto: tcp
        port: 22
"""


def gateway_netns(lab):
    """The gateway namespace: lan0 towards a LAN host, wan0 (192.0.2.2/24)
    towards the upstream router 192.0.2.1."""
    gw = lab.netns("gw")
    lan = lab.netns("lan")
    up = lab.netns("up")
    lab.veth(gw, "lan0", lan, "eth0")
    lab.veth(gw, "wan0", up, "eth0")
    lab.ip(gw, "addr add 192.0.2.2/24 dev wan0")
    lab.ip(up, "addr add 192.0.2.1/24 dev eth0")
    return gw, lan, up
