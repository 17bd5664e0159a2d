#!/usr/bin/env python3
"""Forwarding throughput with and without firewall.fast-path: iperf3 TCP,
1 and 8 streams, from a LAN namespace to an Internet-side namespace through
a gateway namespace holding gatewayd's ruleset (gwctl render of one config,
loaded with nft -f), in one run. Prints Gbit/s per cell and the ratio
fast path / full chain. With --rounds N the two rulesets take turns N
times (off then on, then on then off, ...), so a drift of the machine's
load hits both; the table gives each cell's median and the range of the
per-round ratios, which says how far the noise reaches.

Needs a kernel with nf_flow_table (this host's has none): run it in the vm
guest, where every namespace shares one TCG-emulated vCPU, so the figures
are those of an emulated CPU, not of real hardware; the ratio is what
compares. bench/fastpath_vm_gateway.py makes the guest the gateway alone,
with the endpoints on the host.

  sudo tests/vm/run_in_vm.py --timeout 900 -- bench/fastpath_iperf.py build/ctl/gwctl \
      [--seconds S] [--forwards N] [--rounds R]
"""
import argparse
import json
import statistics
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "vm"))
import test_fastpath as lab_story  # noqa: E402  (its topology and conntrack reading)
from netlab import Lab  # noqa: E402

PORT = 5201
CONFIG = """version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  wan:
    kind: next-hop
    device: wan0
    gateway: 192.0.2.1
zones:
  lan:
    interfaces: [lan]
  wan:
    uplinks: [wan]
firewall:
  fast-path: FAST
  forward:
    rules:
      - name: lan-out
        action: allow
        from: lan
        to: wan
        proto: tcp
        port: PORT
"""


def forwards(n):
    """n port forwards (their DNAT map and admission set loaded, never hit)."""
    if not n:
        return ""
    lines = ["nat:", "  forwards:"]
    for i in range(n):
        lines += [f"    - name: f{i}", "      proto: tcp", f"      port: {20000 + i}",
                  f"      to: 172.16.1.{100 + i % 100}"]
    return "\n".join(lines) + "\n"


def topology(lab):
    """The fast-path test's namespaces; with no gatewayd here, the gateway
    gets its LAN address and forwarding by hand."""
    gw, lan, _guest, net = lab_story.topology(lab)
    lab.ip(gw, "addr add 172.16.2.1/16 dev lan0")
    lab.sysctl(gw, "net.ipv4.ip_forward", "1")
    return gw, lan, net


def render_ruleset(gwctl, fast, n_forwards):
    """gwctl's ruleset (nft -f text, replacing its table) for the config."""
    text = CONFIG.replace("FAST", "true" if fast else "false").replace("PORT", str(PORT)) + forwards(n_forwards)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    try:
        rendered = subprocess.run([gwctl, "render", "--replace", "--kernel-features", "flowtable", f.name],
                                  capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    assert ("flow add @fastpath" in rendered) == fast, rendered
    return rendered


def load_ruleset(lab, gw, gwctl, fast, n_forwards):
    lab.run(gw, ["nft", "-f", "-"], input=render_ruleset(gwctl, fast, n_forwards))


def offloaded(lab, gw):
    return sum("[OFFLOAD]" in line for line in lab_story.conntrack(lab, gw, PORT))


def iperf_server(lab, net):
    """A one-test iperf3 server, listening when this returns. A fresh one per
    cell: a long-lived server was seen stuck after a ruleset swap between
    two tests, leaving the next client waiting."""
    server = lab.spawn(net, ["iperf3", "-s", "-1", "-p", str(PORT)])
    for _ in range(600):
        if lab.run(net, ["ss", "-Hltn", f"sport = :{PORT}"], check=False).stdout.strip():
            return server
        time.sleep(0.1)  # polling for the socket, not a timing
    raise RuntimeError("iperf3 server did not listen")


def iperf(lab, gw, lan, net, streams, seconds):
    """(Gbit/s received, connections offloaded half way through the run)."""
    server = iperf_server(lab, net)
    proc = lab.spawn(lan, ["iperf3", "-c", "192.0.2.1", "-p", str(PORT), "-t", str(seconds), "-P", str(streams),
                           "-J"])
    time.sleep(seconds / 2)  # a sample of the state mid-run, not a timing
    during = offloaded(lab, gw)
    out, _ = proc.communicate(timeout=seconds + 120)
    server.wait(timeout=60)
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9, during


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("gwctl", help="the gwctl that renders the ruleset")
    p.add_argument("--seconds", type=int, default=5, help="iperf3 run per cell (default 5)")
    p.add_argument("--forwards", type=int, default=0, help="port forwards loaded beside (default 0)")
    p.add_argument("--rounds", type=int, default=1, help="times each ruleset is measured (default 1)")
    return p.parse_args()


def measure_rounds(lab, gw, lan, net, args):
    """{(fast, streams): [Gbit/s per round]}; the order flips every round."""
    results = {(fast, s): [] for fast in (False, True) for s in (1, 8)}
    for r in range(args.rounds):
        for fast in ((False, True) if r % 2 == 0 else (True, False)):
            load_ruleset(lab, gw, args.gwctl, fast, args.forwards)
            for streams in (1, 8):
                gbits, during = iperf(lab, gw, lan, net, streams, args.seconds)
                results[(fast, streams)].append(gbits)
                print(f"round {r + 1} fast-path {'on ' if fast else 'off'} streams {streams}: "
                      f"{gbits:.3f} Gbit/s, {during} connections offloaded mid-run", flush=True)
    return results


def report(results, args):
    print(f"\nkernel {os.uname().release}, {args.seconds} s per cell, {args.forwards} forwards loaded, "
          f"{args.rounds} round(s); medians, and the range of the per-round ratios")
    print(f"{'streams':>8} {'full chain Gbit/s':>18} {'fast path Gbit/s':>17} {'ratio':>6} {'per-round range':>16}")
    for streams in (1, 8):
        off, on = results[(False, streams)], results[(True, streams)]
        ratios = [b / a for a, b in zip(off, on)]
        m_off, m_on = statistics.median(off), statistics.median(on)
        print(f"{streams:>8} {m_off:>18.3f} {m_on:>17.3f} {m_on / m_off:>6.2f} "
              f"{min(ratios):>7.2f} - {max(ratios):<6.2f}")


def main():
    args = parse_args()
    args.gwctl = os.path.abspath(args.gwctl)
    lab = Lab("ip")
    try:
        gw, lan, net = topology(lab)
        report(measure_rounds(lab, gw, lan, net, args), args)
    finally:
        lab.close()


if __name__ == "__main__":
    main()
