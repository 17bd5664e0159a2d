#!/usr/bin/env python3
"""Forwarding throughput with and without firewall.fast-path, with the vm
guest as the gateway alone: iperf3 TCP, 1 and 8 streams, from a "LAN host"
namespace to an "Internet host" namespace, both on the host and run
natively, through the guest, which holds gatewayd's ruleset (gwctl render
--replace of bench/fastpath_iperf.py's config, fast path off then on,
loaded with nft -f) and forwards between its two virtio-net NICs. Per cell:
Gbit/s (iperf3's receiver), and the gateway's CPU over a window in the
run's first half: the guest's /proc/stat (busy and softirq shares of its vCPU) and, on
the host, the CPU time of qemu's vCPU thread (the guest's code, emulated)
and of its other threads (the NICs' device model), with the vCPU thread's
CPU seconds per Gbit the guest forwarded in the window. `conntrack -L` in
the guest, run half way through, counts the connections shown [OFFLOAD]. Rulesets take turns each round (off then on,
then on then off, ...); the table gives medians and the range of the
per-round ratios fast path / full chain.

  lan --tap | lan0-- guest (gateway) --wan0 | tap-- net
  lan: 172.16.2.20/16 via 172.16.2.1   net: 192.0.2.1/24, LAN via 192.0.2.2

The guest's one vCPU is emulated (TCG) and its NICs are virtio under
TCG: the figures are those of that machine, not of hardware. The guest
reaches the benchmark over its LAN NIC (a control connection it opens to
the LAN host; gatewayd's output chain allows it, its replies are
established): this program is both ends, the host side by default and the
guest's agent with --agent.

  sudo bench/fastpath_vm_gateway.py build/ctl/gwctl [--seconds S]
      [--rounds R] [--forwards 0,10000] [--memory MB] [--no-gro]

Needs the vm tier (tests/vm/deps.sh) and bench/deps.sh (iperf3,
conntrack, ethtool).
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "..", "tests", "vm", "run_in_vm.py")
sys.path.insert(0, os.path.join(HERE, "..", "tests", "vm"))
import fastpath_iperf  # noqa: E402  (the config, its rendering, the iperf3 server)
from guest_nics import in_netns  # noqa: E402
from netlab import Lab, require_root  # noqa: E402

PORT = fastpath_iperf.PORT
CONTROL_PORT = 5999
LAN_HOST, NET_HOST = "172.16.2.20", "192.0.2.1"
# The CPU window runs from WARMUP s into each run (connections set up) to
# half way; conntrack -L follows. A saturated guest answers late, and a
# sample near the end was seen to come after iperf3 had ended.
WARMUP = 1.0


# ---- the guest's side ---------------------------------------------------

def guest_setup(no_gro):
    """Addresses and forwarding. With no_gro the NICs take and merge no
    segments larger than the MTU (GRO off, and rx-gro-hw off: virtio's
    guest TSO, through which the host's tap would hand over 64 KB at once),
    so the gateway forwards packet by packet."""
    for argv in (["ip", "addr", "add", "172.16.2.1/16", "dev", "lan0"],
                 ["ip", "addr", "add", "192.0.2.2/24", "dev", "wan0"],
                 ["ip", "link", "set", "lan0", "up"], ["ip", "link", "set", "wan0", "up"],
                 ["sysctl", "-qw", "net.ipv4.ip_forward=1"]):
        subprocess.run(argv, check=True)
    for dev in ("lan0", "wan0"):
        if no_gro:
            subprocess.run(["ethtool", "-K", dev, "gro", "off", "rx-gro-hw", "off"], check=True)
        features = subprocess.run(["ethtool", "-k", dev], capture_output=True, text=True).stdout.splitlines()
        print(dev, "; ".join(f.strip() for f in features
                             if f.strip().startswith(("generic-receive", "rx-gro-hw", "tcp-segmentation-offload"))),
              flush=True)


def guest_connect(address, deadline=120):
    """The host's side is listening already; the links may still be coming up."""
    host, port = address.rsplit(":", 1)
    end = time.monotonic() + deadline
    while True:
        try:
            return socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.5)  # waiting for the link, not a timing


def guest_stat():
    """The cpu line of /proc/stat (USER_HZ ticks) and the bytes wan0 sent."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:9]]
    with open("/sys/class/net/wan0/statistics/tx_bytes") as f:
        return {"ticks": ticks, "wan_tx_bytes": int(f.read()), "clock": time.monotonic()}


def guest_conntrack():
    out = subprocess.run(["conntrack", "-L", "-p", "tcp", "--dport", str(PORT)],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return {"tracked": len(out), "offloaded": sum("[OFFLOAD]" in line for line in out)}


def guest_load(ruleset):
    res = subprocess.run(["nft", "-f", "-"], input=ruleset, capture_output=True, text=True)
    if res.returncode:
        raise RuntimeError(f"nft -f failed: {res.stderr}")
    return {}


def agent(address, no_gro):
    """Serves the host's requests, one JSON line each, until "bye"."""
    guest_setup(no_gro)
    conn = guest_connect(address)
    conn.settimeout(None)  # requests come when the host's runs end
    f = conn.makefile("rw")
    ops = {"stat": guest_stat, "conntrack": guest_conntrack, "load": guest_load}
    for line in f:
        request = json.loads(line)
        op = request.pop("op")
        if op == "bye":
            return 0
        try:
            reply = ops[op](**request)
        except Exception as e:  # reported to the host, which stops
            reply = {"error": f"{op}: {e}"}
        f.write(json.dumps(reply) + "\n")
        f.flush()
    return 1


# ---- the host's side ----------------------------------------------------

class Guest:
    """The vm and the control connection its agent opens."""

    def __init__(self, lab, lan, net, args):
        self.taps = (f"{lab.prefix}lan", f"{lab.prefix}wan")
        with in_netns(lan):
            self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("0.0.0.0", CONTROL_PORT))
        self.listener.listen(1)
        self.output = []
        self.vm = subprocess.Popen(
            [sys.executable, RUNNER, "--timeout", str(args.vm_timeout), "--memory", str(args.memory),
             "--tap", f"{self.taps[0]}@{lan}=lan0", "--tap", f"{self.taps[1]}@{net}=wan0", "--",
             sys.executable, os.path.abspath(__file__), "--agent", f"{LAN_HOST}:{CONTROL_PORT}"]
            + (["--no-gro"] if args.no_gro else []),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._relay, daemon=True).start()
        self.conn = self.file = None

    def _relay(self):
        for line in self.vm.stdout:
            self.output.append(line)
            print(f"guest: {line}", end="", flush=True)

    def accept(self, deadline=300):
        end = time.monotonic() + deadline
        self.listener.settimeout(2)
        while self.conn is None:
            if self.vm.poll() is not None or time.monotonic() > end:
                raise RuntimeError("the guest's agent did not connect:\n" + "".join(self.output[-20:]))
            try:
                self.conn, _ = self.listener.accept()
            except socket.timeout:
                continue
        self.conn.settimeout(600)
        self.qemu = qemu_pid(self.vm.pid)
        self.file = self.conn.makefile("rw")

    def call(self, op, **kw):
        self.file.write(json.dumps({"op": op, **kw}) + "\n")
        self.file.flush()
        line = self.file.readline()
        if not line:
            raise RuntimeError(f"{op}: the guest closed the connection")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def close(self):
        if self.file:
            try:
                self.file.write(json.dumps({"op": "bye"}) + "\n")
                self.file.flush()
                self.vm.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.vm.poll() is None:
            self.vm.terminate()  # the runner kills qemu and virtiofsd; the taps go with qemu
            try:
                self.vm.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.vm.pid, 9)
                self.vm.wait()
        self.listener.close()
        if self.conn:
            self.conn.close()


def wait_link(lab, ns, dev, deadline=120):
    end = time.monotonic() + deadline
    while lab.run(ns, ["ip", "link", "show", "dev", dev], check=False).returncode:
        if time.monotonic() > end:
            raise RuntimeError(f"{dev} did not appear in {ns}")
        time.sleep(0.1)  # polling for the runner's tap, not a timing


def wire_endpoints(lab, lan, net, taps):
    wait_link(lab, lan, taps[0])
    wait_link(lab, net, taps[1])
    lab.ip(lan, f"addr add {LAN_HOST}/16 dev {taps[0]}")
    lab.ip(lan, f"link set {taps[0]} up")
    lab.ip(lan, "route add default via 172.16.2.1")
    lab.ip(net, f"addr add {NET_HOST}/24 dev {taps[1]}")
    lab.ip(net, f"link set {taps[1]} up")
    lab.ip(net, "route add 172.16.0.0/16 via 192.0.2.2")


def guest_window(before, after):
    """The vCPU's busy and softirq shares, and the Gbit/s wan0 sent, between
    two stats of the guest. Under TCG the guest loses timer ticks when its
    vCPU thread waits for the host: the tick-sampled fields (user, system,
    softirq) then sum to well under the time passed (about half, seen),
    while idle (measured in time by the NOHZ kernel) stays right. So busy
    is the time passed minus idle, and softirq that busy time times the
    softirq share of the busy ticks."""
    d = [b - a for a, b in zip(before["ticks"], after["ticks"])]  # user nice system idle iowait irq softirq steal
    seconds = after["clock"] - before["clock"]
    idle = (d[3] + d[4]) / os.sysconf("SC_CLK_TCK")
    busy = max(0.0, 1 - idle / seconds)
    busy_ticks = sum(d) - d[3] - d[4]
    gbits = (after["wan_tx_bytes"] - before["wan_tx_bytes"]) * 8 / seconds / 1e9
    return {"busy": busy, "softirq": busy * d[6] / busy_ticks if busy_ticks else 0.0, "window_gbits": gbits}


def qemu_pid(runner_pid):
    """The runner's qemu child (the runner also has virtiofsd's)."""
    with open(f"/proc/{runner_pid}/task/{runner_pid}/children") as f:
        for pid in f.read().split():
            with open(f"/proc/{pid}/comm") as c:
                if c.read().startswith("qemu-system"):
                    return int(pid)
    raise RuntimeError("no qemu under the runner")


def qemu_cpu(pid):
    """Host CPU seconds so far of qemu's vCPU thread ("CPU 0/TCG": the
    guest's code, emulated) and of its other threads (chiefly the main loop:
    virtio-net's device model and the taps' I/O), with the host's clock."""
    vcpu = other = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                comm_end = (text := f.read()).rindex(")")
        except FileNotFoundError:
            continue  # a thread that just ended
        fields = text[comm_end + 2:].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        if text[text.index("(") + 1:comm_end].startswith("CPU "):
            vcpu += ticks
        else:
            other += ticks
    hz = os.sysconf("SC_CLK_TCK")
    return {"vcpu": vcpu / hz, "other": other / hz, "clock": time.monotonic()}


def host_window(before, after, gbits):
    seconds = after["clock"] - before["clock"]
    vcpu = (after["vcpu"] - before["vcpu"]) / seconds
    io = (after["other"] - before["other"]) / seconds
    return {"qemu_vcpu": vcpu, "qemu_io": io, "vcpu_per_gbit": vcpu / gbits if gbits else float("nan")}


def measure_cell(lab, guest, lan, net, streams, seconds):
    server = fastpath_iperf.iperf_server(lab, net)
    client = lab.spawn(lan, ["iperf3", "-c", NET_HOST, "-p", str(PORT), "-t", str(seconds),
                             "-P", str(streams), "-J"])
    start = time.monotonic()
    time.sleep(WARMUP)  # the CPU window starts once the streams run, not a timing
    host_before, before = qemu_cpu(guest.qemu), guest.call("stat")
    time.sleep(seconds / 2 - WARMUP)
    host_after, after = qemu_cpu(guest.qemu), guest.call("stat")
    ct = guest.call("conntrack")
    # When the guest answered late, the streams may have ended (and their
    # entries left the flowtable): say so rather than count it.
    ct.update(sampled_at=time.monotonic() - start, sampled_running=client.poll() is None)
    out, err = client.communicate(timeout=seconds + 120)
    server.wait(timeout=60)
    if client.returncode:
        raise RuntimeError(f"iperf3 failed: {out}{err}")
    cell = guest_window(before, after)
    cell.update(host_window(host_before, host_after, cell["window_gbits"]))
    cell.update(ct, gbits=json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9)
    return cell


def measure_rounds(lab, guest, lan, net, args):
    """{(forwards, fast, streams): [cell per round]}; the order of the two
    rulesets flips every round."""
    results = {}
    rulesets = {}
    for r in range(args.rounds):
        for n in args.forwards:
            for fast in ((False, True) if r % 2 == 0 else (True, False)):
                if (fast, n) not in rulesets:
                    rulesets[(fast, n)] = fastpath_iperf.render_ruleset(args.gwctl, fast, n)
                guest.call("load", ruleset=rulesets[(fast, n)])
                for streams in (1, 8):
                    cell = measure_cell(lab, guest, lan, net, streams, args.seconds)
                    results.setdefault((n, fast, streams), []).append(cell)
                    print(f"round {r + 1} forwards {n} fast-path {'on ' if fast else 'off'} streams {streams}: "
                          f"{cell['gbits']:.3f} Gbit/s, guest busy {cell['busy']:.0%} "
                          f"softirq {cell['softirq']:.0%}, qemu vCPU {cell['qemu_vcpu']:.2f} "
                          f"I/O {cell['qemu_io']:.2f} cores, {cell['vcpu_per_gbit']:.2f} vCPU-s/Gbit, "
                          f"{cell['offloaded']} of {cell['tracked']} connections offloaded at "
                          f"{cell['sampled_at']:.1f} s{'' if cell['sampled_running'] else ' (iperf3 had ended)'}",
                          flush=True)
    return results


def median(cells, key):
    return statistics.median(c[key] for c in cells)


def offload_range(cells, pick):
    during = [c["offloaded"] for c in cells if c["sampled_running"]]
    return pick(during) if during else "-"


def pair(off, on, key, fmt):
    return f"{median(off, key):{fmt}}/{median(on, key):{fmt}}"


def report(results, args):
    print(f"\nhost kernel {os.uname().release}, guest 6.12 under TCG (1 vCPU), {args.seconds} s per cell, "
          f"{args.rounds} round(s), GRO {'off' if args.no_gro else 'on'} in the guest, host load {os.getloadavg()[0]:.1f}; medians, off/on = full chain/fast path")
    print(f"{'fwds':>6} {'str':>3} {'off Gbit/s':>10} {'on Gbit/s':>9} {'ratio':>5} {'per-round':>11} "
          f"{'guest busy':>10} {'softirq':>9} {'qemu vCPU':>9} {'qemu I/O':>9} {'vCPU-s/Gbit':>11} {'offload':>7}")
    for n in args.forwards:
        for streams in (1, 8):
            off, on = results[(n, False, streams)], results[(n, True, streams)]
            ratios = [b["gbits"] / a["gbits"] for a, b in zip(off, on)]
            m_off, m_on = median(off, "gbits"), median(on, "gbits")
            print(f"{n:>6} {streams:>3} {m_off:>10.3f} {m_on:>9.3f} {m_on / m_off:>5.2f} "
                  f"{min(ratios):>5.2f}-{max(ratios):<5.2f} {pair(off, on, 'busy', '.0%'):>10} "
                  f"{pair(off, on, 'softirq', '.0%'):>9} {pair(off, on, 'qemu_vcpu', '.2f'):>9} "
                  f"{pair(off, on, 'qemu_io', '.2f'):>9} {pair(off, on, 'vcpu_per_gbit', '.2f'):>11} "
                  f"{offload_range(off, max):>3}/{offload_range(on, min):<3}")
    print("busy, softirq: shares of the vCPU in the guest's /proc/stat; qemu vCPU, I/O: host cores used by\n"
          "qemu's vCPU thread (CPU 0/TCG: the guest's code) and its other threads (virtio-net's device model,\n"
          "the taps' I/O); vCPU-s/Gbit: the vCPU thread's host CPU seconds per Gbit wan0 sent in the window;\n"
          "offload: most connections [OFFLOAD] in a full-chain cell / fewest in a fast-path cell, of the\n"
          "samples taken while iperf3 ran")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("gwctl", nargs="?", help="the gwctl that renders the ruleset")
    p.add_argument("--seconds", type=int, default=10, help="iperf3 run per cell (default 10)")
    p.add_argument("--rounds", type=int, default=3, help="times each ruleset is measured (default 3)")
    p.add_argument("--forwards", default="0,10000",
                   help="port forwards loaded beside, comma-separated counts (default 0,10000)")
    p.add_argument("--memory", type=int, default=2048, help="guest memory, MiB (default 2048)")
    p.add_argument("--no-gro", action="store_true",
                   help="GRO and guest TSO off on the guest's NICs: forwarding packet by packet")
    p.add_argument("--agent", metavar="HOST:PORT", help=argparse.SUPPRESS)  # the guest's side
    args = p.parse_args(argv)
    if not args.agent and not args.gwctl:
        p.error("gwctl is needed")
    if args.seconds < 4 * WARMUP:
        p.error(f"--seconds must be at least {4 * WARMUP:.0f}")
    args.forwards = [int(n) for n in args.forwards.split(",")]
    cells = args.rounds * len(args.forwards) * 4
    args.vm_timeout = 300 + cells * (args.seconds + 30)
    return args


def main(argv):
    args = parse_args(argv)
    if args.agent:
        return agent(args.agent, args.no_gro)
    require_root("network namespaces, taps and the vm guest")
    args.gwctl = os.path.abspath(args.gwctl)
    lab = Lab("fv")
    guest = None
    try:
        lan, net = lab.netns("lan"), lab.netns("net")
        guest = Guest(lab, lan, net, args)
        wire_endpoints(lab, lan, net, guest.taps)
        guest.accept()
        report(measure_rounds(lab, guest, lan, net, args), args)
    finally:
        if guest:
            guest.close()
        lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
