"""Two gatewayd boxes as a VRRP pair in network namespaces, for the HA
test and the failover benchmark: a LAN bridge with a client, a sync cable
between the gateways, each gateway with its own private dbus-daemon (the
bus keepalived and gatewayd share; never the host's system bus), its own
keepalived (gatewayd's child) and the stand-in pppd, whose far end sits in
an uplink namespace per gateway that both look the same from the LAN (the
"Internet" host 198.51.100.1), so a packet from the client crosses only
the MASTER's session. With real=True (the vm tier) the line is real: pppd
in each gateway against pppoe-server in its uplink namespace.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Bus, Gateway, workdir  # noqa: E402
from netlab import Lab  # noqa: E402
from pppoe_server import AccessConcentrator, cmdline  # noqa: E402
from standin import Standin, password_file  # noqa: E402

VIP = "172.16.0.1"
INTERNET = "198.51.100.1"
PPPOE_USER, PPPOE_SECRET = "user@isp.example", "isp-secret"
POOL = {"a": "203.0.113.10", "b": "203.0.113.20"}


class RealLine:
    """The vm tier's PPPoE line of one box: the real pppd (gatewayd's
    child) against pppoe-server in the box's uplink namespace. Offers what
    the pair needs of a Standin: start(gateway) and pids()."""

    def __init__(self, lab, gw_ns, up_ns, wd, me):
        self.lab, self.gw_ns = lab, gw_ns
        self.server = AccessConcentrator(lab, up_ns, wd, PPPOE_USER, PPPOE_SECRET, INTERNET, name=f"isp-{me}")
        self.server.serve(POOL[me])

    def start(self, g):
        return g.start(timeout=120, extra_args=["--pppd", "/usr/sbin/pppd"])

    def pids(self):
        """The box's pppd processes (its sessions, up or dialling)."""
        out = self.lab.run(self.gw_ns, ["ip", "netns", "pids", self.gw_ns], check=False).stdout
        return [int(p) for p in out.split() if os.path.basename(cmdline(int(p)).split(" ")[0]) == "pppd"]


def config(wd, me, priority, preempt=False, sync=False, advert=1):
    peer = "10.99.0.2" if me == "a" else "10.99.0.1"
    mine = "10.99.0.1" if me == "a" else "10.99.0.2"
    lan = "172.16.0.2" if me == "a" else "172.16.0.3"
    sync_part = f"""  sync:
    interface: sync
    peer: {peer}
""" if sync else ""
    return f"""version: 1
interfaces:
  lan:
    device: lan0
    addresses: [{lan}/16]
  sync:
    device: sync0
    addresses: [{mine}/30]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: {wd}/isp.password
    default-route: true
zones:
  lan:
    interfaces: [lan]
    networks: 172.16.0.0/16
  wan:
    uplinks: [isp]
nat:
  masquerade:
    - from: lan
      to: wan
firewall:
  input:
    policy: accept
  forward:
    rules:
      - action: allow
        from: lan
        to: wan
ha:
  instances:
    lan:
      interface: lan
      vrid: 51
      priority: {priority}
      advert-interval: {advert}
      preempt: {"true" if preempt else "false"}
      virtual-addresses: [{VIP}/16]
      auth-secret-file: {wd}/vrrp.secret
  only-on-master: [isp]
{sync_part}"""


class Pair:
    """Builds the lab; `boxes` maps "a"/"b" to (Gateway, Standin)."""

    def __init__(self, tag, gatewayd, gwctl, standin_exe, sync=False, advert=1, real=False):
        self.lab = Lab(tag)
        lab = self.lab
        self.lan = lab.netns("lan")
        lab.bridge(self.lan, "br0")
        self.client = lab.host("cl", self.lan, "br0", "172.16.0.100/16", VIP)
        self.boxes = {}
        self.buses = []
        for me, prio in (("a", 150), ("b", 100)):
            ns = lab.netns(f"g{me}")
            lab.veth(ns, "lan0", self.lan, f"p-g{me}")
            lab.ip(self.lan, f"link set p-g{me} master br0")
            up = lab.netns(f"u{me}")
            lab.veth(ns, "wan0", up, "eth0")
            wd = workdir()
            bus = Bus(wd)
            self.buses.append(bus)
            g = Gateway(lab, ns, gatewayd, gwctl, wd, bus)
            password_file(os.path.join(wd, "isp.password"), PPPOE_SECRET)
            password_file(os.path.join(wd, "vrrp.secret"), "vrrp1pw")
            if real:
                st = RealLine(lab, ns, up, wd, me)
            else:
                st = Standin(wd, standin_exe, peer=INTERNET, peer_netns=up)
                st.configure(POOL[me])
            g.write_config(config(wd, me, prio, sync=sync, advert=advert))
            self.boxes[me] = (g, st)
        lab.veth(self.boxes["a"][0].ns, "sync0", self.boxes["b"][0].ns, "sync0")

    def start(self, me):
        g, st = self.boxes[me]
        return st.start(g)

    def status(self, me):
        g, _ = self.boxes[me]
        res = g.gwctl_run("status", "--json")
        try:
            return json.loads(res.stdout)
        except ValueError:
            return {}

    def is_master(self, me):
        return self.status(me).get("ha", {}).get("master", False)

    def sessions(self):
        """{box: [pids of its running pppd (stand-in or real)]}"""
        return {me: st.pids() for me, (g, st) in self.boxes.items()}

    def isp_sessions(self):
        """{box: [the ISP side's session pppd for that box]} (real line only)."""
        return {me: st.server.sessions() for me, (g, st) in self.boxes.items() if isinstance(st, RealLine)}

    def keepalived_pids(self, me):
        g, _ = self.boxes[me]
        conf = os.path.join(g.run_dir, "keepalived.conf").encode()
        out = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if argv and argv[0].endswith(b"keepalived") and conf in argv:
                    out.append(int(pid))
            except OSError:
                pass
        return out

    def close(self):
        self.lab.close()
        for b in self.buses:
            b.close()
