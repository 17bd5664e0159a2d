#!/usr/bin/env python3
"""Verdict equality of an imported brouter's bridge part: the ebtables
broute table with its marks and the ip6tables filter on bridged IPv6,
against the `ipv6.bridge-split` gwctl import made of them.

It needs what the host kernel lacks (meta broute, ebtable_broute, the
bridge's conntrack), so it runs in the vm tier; tests/import/verify_lab.py
compares everything else of the same ruleset on the host. Two routers are
built alike: router A gets a bridge made here, br_netfilter, and the
original files (ebtables-legacy-restore: Debian 12's ebtables-nft refuses a
broute table; ip6tables-restore; iptables-restore); router B gets the
imported gateway.yaml, split included, through `gwctl apply`, and makes the
bridge itself. Each split port has a host at its far end, all in the /64
the rules name:

    [host in0] eth0 ──veth── eth1 [router: br0] eth0 ──veth── eth0 [host out]

Every inside host probes the outside host and back: ICMPv6 echo, TCP and
UDP on every port the rules name, to addresses the rules name and to one
they do not. Any probe whose verdict differs is a mismatch.

Usage: verify_split.py GWCTL RULESET_DIR   (root, in the vm guest; exit 1 on
any mismatch)"""
import concurrent.futures
import ipaddress
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "netns"))
sys.path.insert(0, str(HERE))
from netlab import Lab  # noqa: E402
from probe_server import start_server  # noqa: E402
from probes import PROBER  # noqa: E402
from verify_lab import TIMEOUT, Plan, add_pppoe_ports, import_files, same  # noqa: E402

MODPROBE = "/run/gw-vm/bin/modprobe"  # the vm guest's wrapper around its cached modules


def split_of(cfg):
    split = (cfg.get("ipv6") or {}).get("bridge-split")
    if not split:
        sys.exit("the imported file has no ipv6.bridge-split: nothing to verify here")
    return split


def prefix_of(split):
    """The /64 the allow-inbound destinations name (the LAN's bridged prefix)."""
    for rule in split.get("allow-inbound") or []:
        for d in rule.get("destination") or []:
            return ipaddress.ip_network(d, strict=False).supernet(new_prefix=64)
    return ipaddress.ip_network("2001:db8:42::/64")


class Hosts:
    """The addresses of the split's hosts: the outside host and one host per
    inside port; the first inside host holds every destination the rules
    name, each inside host one more that no rule names."""

    def __init__(self, split):
        net = prefix_of(split)
        self.inside = {port: [str(net[0xa0 + k])] for k, port in enumerate(split["inside"])}
        first = self.inside[split["inside"][0]]
        for rule in split.get("allow-inbound") or []:
            for d in rule.get("destination") or []:
                a = ipaddress.ip_network(d, strict=False)
                if a.num_addresses == 1 and str(a[0]) not in first:
                    first.insert(0, str(a[0]))
        # One address: a UDP server answering from a host with two in one
        # /64 may pick the other as its source, and the prober would see
        # no answer whatever the firewall did.
        self.outside = [str(net[1])]


def load_modules():
    modprobe = MODPROBE if os.path.exists(MODPROBE) else shutil.which("modprobe")
    for module in ("br_netfilter", "ebtable_broute"):
        subprocess.run([modprobe, module], check=True)


def build(lab, split, hosts, tag):
    router = lab.netns(f"{tag}r")
    names = {}
    for port, addrs in list(hosts.inside.items()) + [(split["outside"], hosts.outside)]:
        ns = lab.netns(f"{tag}{port[-4:]}")
        names[port] = ns
        lab.veth(router, port, ns, "eth0")
        for a in addrs:
            lab.ip(ns, f"addr add {a}/64 dev eth0 nodad")
    lab.ip(router, "link set lo up")
    return router, names


def apply_original(lab, router, split, files):
    """What the old router's boot script did: the bridge, then the tables."""
    bridge = split["bridge"]
    lab.ip(router, f"link add {bridge} type bridge")
    for port in split["inside"] + [split["outside"]]:
        lab.ip(router, f"link set {port} master {bridge}")
    lab.ip(router, f"link set {bridge} up")
    lab.sysctl(router, "net.bridge.bridge-nf-call-ip6tables", 1)
    for f in files:
        text = f.read_text()
        tool = ("ebtables-legacy-restore" if "*broute" in text else
                "ip6tables-restore" if "ip6tables" in text else "iptables-restore")
        lab.run(router, [tool], input=text)


def apply_imported(lab, router, gwctl, yaml_text):
    add_pppoe_ports(lab, router, yaml.safe_load(yaml_text))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as tmp:
        tmp.write(yaml_text)
        tmp.flush()
        lab.run(router, [gwctl, "apply", tmp.name], timeout=300)


def probes(split, hosts, ports):
    """(port the probe starts behind, probe): inside -> outside and back."""
    out = []
    pairs = [(p, s, d) for p, srcs in hosts.inside.items() for s in srcs for d in hosts.outside]
    pairs += [(split["outside"], s, d) for s in hosts.outside for srcs in hosts.inside.values() for d in srcs]
    for where, src, dst in pairs:
        out.append((where, {"id": str(len(out)), "proto": "icmp", "src": src, "dst": dst, "port": 0}))
        for proto in ("tcp", "udp"):
            for port in ports:
                out.append((where, {"id": str(len(out)), "proto": proto, "src": src, "dst": dst, "port": port}))
    return out


def run_probes(lab, names, ports, matrix):
    for port, ns in names.items():
        start_server(lab, ns, port, [f"{proto}:{p}" for p in ports for proto in ("tcp", "udp")])
    results = {}
    for port, ns in names.items():
        batch = [p for where, p in matrix if where == port]
        res = lab.run(ns, [sys.executable, "-c", PROBER, str(TIMEOUT)], input=json.dumps(batch), timeout=900)
        results.update(json.loads(res.stdout))
    return results


def verify(gwctl, folder):
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".yaml")
    yaml_text, _ = import_files(None, None, gwctl, files)
    cfg = yaml.safe_load(yaml_text)
    split = split_of(cfg)
    hosts = Hosts(split)
    originals = [line for f in files for line in f.read_text().splitlines() if line.startswith("-A")]
    ports = Plan.collect_ports(cfg, originals)
    load_modules()
    lab = Lab(f"vs{os.getpid() % 10000}")
    try:
        (ra, na), (rb, nb) = build(lab, split, hosts, "a"), build(lab, split, hosts, "b")
        apply_original(lab, ra, split, files)
        apply_imported(lab, rb, gwctl, yaml_text)
        matrix = probes(split, hosts, ports)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(run_probes, lab, names, ports, matrix) for names in (na, nb)]
            a, b = (run.result() for run in runs)
    finally:
        lab.close()
    mismatches = 0
    for where, p in matrix:
        if os.environ.get("GW_VERIFY_VERBOSE"):
            print(f"  {p['proto']} {p['src']} -> {p['dst']}:{p['port']}: {a[p['id']]!r} / {b[p['id']]!r}")
        if not same(a[p["id"]], b[p["id"]]):
            mismatches += 1
            print(f"  mismatch: {p['proto']} {p['src']} -> {p['dst']}:{p['port']}: "
                  f"original {a[p['id']]!r}, gatewayd {b[p['id']]!r}")
    counts = {}
    for where, p in matrix:
        way = "inbound" if where == split["outside"] else "outbound"
        n = counts.setdefault(way, [0, 0])
        n[0] += a[p["id"]].startswith("open")
        n[1] += 1
    print(f"{folder.name} bridge split: {len(matrix)} probes, accepted under the original: "
          + ", ".join(f"{way} {n[0]} of {n[1]}" for way, n in sorted(counts.items()))
          + f"; {mismatches} mismatches")
    return mismatches, counts


def main():
    if os.geteuid() != 0:
        print("skipping: the verification lab needs root (network namespaces)")
        sys.exit(77)
    for tool in ("ebtables-legacy-restore", "ip6tables-restore"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: tests/vm/deps.sh installs it")
    mismatches, counts = verify(sys.argv[1], pathlib.Path(sys.argv[2]))
    # The original accepts some probes and drops others inbound (its
    # allow-inbound rules); a lab where nothing crosses proves nothing.
    inbound, outbound = counts["inbound"], counts["outbound"]
    if inbound[0] in (0, inbound[1]) or outbound[0] == 0:
        print("the original neither lets some inbound probes through nor stops others: the lab is broken")
        sys.exit(1)
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
