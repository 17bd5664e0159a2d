#!/usr/bin/env python3
"""Forwarding throughput with and without firewall.fast-path: iperf3 TCP,
1 and 8 streams, from a LAN namespace to an Internet-side namespace through
a gateway namespace holding gatewayd's ruleset (gwctl render of one config,
loaded with nft -f), in one run. Prints Gbit/s per cell and the ratio
fast path / full chain.

Needs a kernel with nf_flow_table (this host's has none): run it in the vm
guest, where every namespace shares one TCG-emulated vCPU, so the figures
are those of an emulated CPU, not of real hardware; the ratio is what
compares.

  sudo tests/vm/run_in_vm.py --timeout 900 -- bench/fastpath_iperf.py build/ctl/gwctl [SECONDS [FORWARDS]]
"""
import json
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
    gw, lan, net = lab_story.topology(lab)
    lab.ip(gw, "addr add 172.16.2.1/16 dev lan0")
    lab.sysctl(gw, "net.ipv4.ip_forward", "1")
    return gw, lan, net


def load_ruleset(lab, gw, gwctl, fast, n_forwards):
    text = CONFIG.replace("FAST", "true" if fast else "false").replace("PORT", str(PORT)) + forwards(n_forwards)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    try:
        rendered = subprocess.run([gwctl, "render", "--replace", "--kernel-features", "flowtable", f.name],
                                  capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(f.name)
    assert ("flow add @fastpath" in rendered) == fast, rendered
    lab.run(gw, ["nft", "-f", "-"], input=rendered)


def offloaded(lab, gw):
    return sum("[OFFLOAD]" in line for line in lab_story.conntrack(lab, gw, PORT))


def iperf(lab, gw, lan, streams, seconds):
    """(Gbit/s received, connections offloaded half way through the run)."""
    proc = lab.spawn(lan, ["iperf3", "-c", "192.0.2.1", "-p", str(PORT), "-t", str(seconds), "-P", str(streams),
                           "-J"])
    time.sleep(seconds / 2)  # a sample of the state mid-run, not a timing
    during = offloaded(lab, gw)
    out, _ = proc.communicate(timeout=seconds + 120)
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9, during


def main():
    gwctl = os.path.abspath(sys.argv[1])
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    n_forwards = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    lab = Lab("ip")
    try:
        gw, lan, net = topology(lab)
        lab.spawn(net, ["iperf3", "-s", "-p", str(PORT)])
        results = {}
        for fast in (False, True):
            load_ruleset(lab, gw, gwctl, fast, n_forwards)
            for streams in (1, 8):
                results[(fast, streams)], during = iperf(lab, gw, lan, streams, seconds)
                print(f"fast-path {'on ' if fast else 'off'} streams {streams}: "
                      f"{results[(fast, streams)]:.3f} Gbit/s, {during} connections offloaded mid-run", flush=True)
        print(f"\nkernel {os.uname().release}, {seconds} s per cell, {n_forwards} forwards loaded")
        print(f"{'streams':>8} {'full chain Gbit/s':>18} {'fast path Gbit/s':>17} {'ratio':>6}")
        for streams in (1, 8):
            off, on = results[(False, streams)], results[(True, streams)]
            print(f"{streams:>8} {off:>18.3f} {on:>17.3f} {on / off:>6.2f}")
    finally:
        lab.close()


if __name__ == "__main__":
    main()
