#!/usr/bin/env python3
"""Verdict equality of an imported ruleset, packet by packet.

For a ruleset folder (iptables-save, ip6tables-save, ebtables-save files):
`gwctl import iptables` writes gateway.yaml; two identical labs are built
from its links, one router namespace applying the original with
iptables-restore/ip6tables-restore, the other the imported file with
`gwctl apply`. Each link of the router has a host namespace at its far end
(a ppp link is a veth of the same name: the host kernel has no PPP). A
generated matrix of probes (TCP, UDP and ICMP echo, IPv4 and IPv6, from
every host and source address the rules name, to the router, the other
hosts, the forwards' public side and their targets; and from the router
itself, as each user an owner rule names) runs in both labs, and every
probe whose outcome differs is printed, classified:

  intended fix  the difference comes from a rule the importer flagged as a
                bug (a typo'd range, DNAT without -d/-i, a catch-all drop
                in OUTPUT), from a match it narrowed on purpose (a DNAT
                without -d answers only on its uplink's own addresses) or
                from what gatewayd adds on purpose (hairpin);
  mismatch      anything else.

    [host lan] eth0 ──veth── eth0 [router] ppp0 ──veth── eth0 [host wan]

Usage: verify_lab.py GWCTL RULESET_DIR...   (root; exit 1 on any mismatch)

The IPv6 bridge split of a brouter needs `meta broute`, which this host
kernel may lack: its bridge part is then left out of the lab (said so),
and the routed part (IPv4, IPv6 to the router) is still compared. The
bridge part is compared in the vm tier by verify_split.py."""
import concurrent.futures
import ipaddress
import json
import os
import shutil
import pathlib
import pwd
import re
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "netns"))
from netlab import Lab  # noqa: E402
from probe_server import start_server  # noqa: E402
from probes import PROBER  # noqa: E402

TIMEOUT = 2.0  # a dropped probe: no answer within this bound


class Plan:
    """The lab's addresses, from the imported YAML and the original lines."""

    def __init__(self, cfg, originals):
        self.cfg, self.links = cfg, []  # (device, side, index)
        for name, itf in (cfg.get("interfaces") or {}).items():
            self.links.append({"dev": itf.get("device", name), "side": "lan"})
        for name, up in (cfg.get("uplinks") or {}).items():
            dev = name if up["kind"] == "pppoe" else up["device"]
            self.links.append({"dev": dev, "side": "wan", "gateway": up.get("gateway")})
        if not self.links:  # a server's rules name no link: give it one peer
            self.links.append({"dev": "eth0", "side": "wan"})
        zones = cfg.get("zones") or {}
        for k, link in enumerate(self.links):
            self.address(k, link, zones)
        self.ports = self.collect_ports(cfg, originals)
        self.sources = self.collect_sources(cfg, originals)

    def address(self, k, link, zones):
        nets = []
        for z in zones.values():
            members = (z.get("interfaces") or []) + (z.get("uplinks") or [])
            if any(self.dev_of(m) == link["dev"] for m in members):
                nets = [n for n in (z.get("networks") or []) if ":" not in n]
        if link["side"] == "lan":
            net = ipaddress.ip_network(nets[0]) if nets else ipaddress.ip_network(f"10.200.{k}.0/24")
            link["router4"], link["host4"], link["len4"] = str(net[1]), str(net[2]), net.prefixlen
            link["router6"], link["host6"] = f"fd00:{k + 1}::1", f"fd00:{k + 1}::2"
        elif link.get("gateway"):
            gw = ipaddress.ip_address(link["gateway"])
            link["router4"], link["host4"], link["len4"] = str(gw + 1), str(gw), 29
            link["router6"], link["host6"] = f"2001:db8:ff{k}::1", f"2001:db8:ff{k}::2"
        else:
            link["router4"], link["host4"], link["len4"] = f"100.64.{k}.2", f"100.64.{k}.1", 24
            link["router6"], link["host6"] = f"2001:db8:ff{k}::1", f"2001:db8:ff{k}::2"
        link["extra"] = []

    def dev_of(self, name):
        itf = (self.cfg.get("interfaces") or {}).get(name)
        if itf is not None:
            return itf.get("device", name)
        up = (self.cfg.get("uplinks") or {}).get(name)
        return name if not up or up["kind"] == "pppoe" else up["device"]

    @staticmethod
    def collect_ports(cfg, originals):
        ports = {9}
        text = json.dumps(cfg) + "\n".join(originals)
        for m in re.finditer(r"--dports? (\S+)|\"port\": \[([^\]]*)\]|--to-destination \S+:(\d+)", text):
            for part in re.split(r"[,:\- \"]+", next(g for g in m.groups() if g)):
                if part.isdigit() and int(part) < 65536:
                    ports.add(int(part))
        return sorted(ports)

    def collect_sources(self, cfg, originals):
        """Source addresses the rules name: each probes from a host that owns it."""
        found = set()
        for line in originals:
            for m in re.finditer(r"-s (\S+)", line):
                found.add((m.group(1), (re.search(r"-i (\S+)", line) or [None, None])[1]))
        for m in re.finditer(r"'source': \['([^']+)'\]", str(cfg)):
            found.add((m.group(1), None))
        out = []
        for prefix, dev in sorted(found, key=str):
            net = ipaddress.ip_network(prefix, strict=False)
            # Clear of the .1 and .2 the lab gives the router and the host.
            addr = str(net[-2] if net.num_addresses > 4 else net[0])
            out.append((addr, dev))
        return out

    def targets(self):
        """Hosts the rules send to: forward targets, single destinations."""
        out = [(f["to"].split(":")[0], None) for f in (self.cfg.get("nat") or {}).get("forwards", [])]
        for m in re.finditer(r"'destination': \['([^']+)'\]", str(self.cfg)):
            net = ipaddress.ip_network(m.group(1), strict=False)
            if net.num_addresses == 1:
                out.append((str(net[0]), None))
        return out

    def host_for(self, addr, dev):
        a = ipaddress.ip_address(addr)
        for link in self.links:
            if link["side"] == "lan" and a.version == 4 and a in ipaddress.ip_network(
                    f"{link['host4']}/{link['len4']}", strict=False):
                return link
        for link in self.links:
            if dev and link["dev"] == dev:
                return link
        return next((l for l in self.links if l["side"] == "wan"), self.links[0])


def build(lab, plan, tag):
    router = lab.netns(f"{tag}r")
    for k, link in enumerate(plan.links):
        host = lab.netns(f"{tag}h{k}")
        link.setdefault("ns", {})[tag] = host
        lab.veth(router, link["dev"], host, "eth0")
        lab.ip(router, f"addr add {link['router4']}/{link['len4']} dev {link['dev']}")
        lab.ip(host, f"addr add {link['host4']}/{link['len4']} dev eth0")
        lab.ip(router, f"addr add {link['router6']}/64 dev {link['dev']} nodad")
        lab.ip(host, f"addr add {link['host6']}/64 dev eth0 nodad")
        lab.ip(host, f"route add default via {link['router4']}")
        lab.ip(host, f"-6 route add default via {link['router6']}")
        for addr in link["extra"]:
            v6 = ":" in addr
            lab.ip(host, f"addr add {addr}/{128 if v6 else 32} dev eth0" + (" nodad" if v6 else ""))
            if not ipaddress.ip_address(addr) in ipaddress.ip_network(f"{link['host4']}/{link['len4']}", strict=False):
                lab.ip(router, f"{'-6 ' if v6 else ''}route add {addr} via {link['host6' if v6 else 'host4']} dev {link['dev']}")
    wan = next((l for l in plan.links if l["side"] == "wan"), None)
    if wan:
        lab.ip(router, f"route add default via {wan['host4']}")
        lab.ip(router, f"-6 route add default via {wan['host6']}")
    for key in ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"):
        lab.sysctl(router, key, 1)
    return router


def apply_original(lab, router, files):
    for f in files:
        text = f.read_text()
        if "*broute" in text or "ebtables" in text:
            print(f"note: {f.name}: ebtables broute is not loaded (no meta broute / ebtable_broute here)")
            continue
        tool = "ip6tables-restore" if "ip6tables" in text else "iptables-restore"
        lab.run(router, [tool], input=text)


def without_split(yaml_text):
    cfg = yaml.safe_load(yaml_text)
    if cfg.get("ipv6", {}).get("bridge-split"):
        print("note: ipv6.bridge-split left out of the lab: the host kernel has no meta broute")
        del cfg["ipv6"]
    return yaml.safe_dump(cfg)


def probes(plan, cfg):
    """(ns-index or 'router', uid, probe) triples, the same in both labs."""
    out, n = [], 0
    routers = [(l["router4"], l["router6"]) for l in plan.links]
    for k, link in enumerate(plan.links):
        srcs = [(link["host4"], 4), (link["host6"], 6)] + [(a, 6 if ":" in a else 4) for a in link["extra"]]
        dsts = [a for pair in routers for a in pair]
        dsts += [a for j, l in enumerate(plan.links) if j != k for a in (l["host4"], l["host6"])]
        dsts += [f["to"].split(":")[0] for f in (cfg.get("nat") or {}).get("forwards", [])]
        for src, fam in srcs:
            for dst in sorted(set(dsts)):
                if (":" in dst) != (fam == 6):
                    continue
                out.append((k, 0, {"id": str(n), "proto": "icmp", "src": src, "dst": dst, "port": 0}))
                n += 1
                for proto in ("tcp", "udp"):
                    for port in plan.ports:
                        out.append((k, 0, {"id": str(n), "proto": proto, "src": src, "dst": dst, "port": port}))
                        n += 1
    users = {0}
    for e in cfg.get("egress") or []:
        for u in (e.get("users") or []) + (e.get("deny-users") or []):
            users.add(pwd.getpwnam(u).pw_uid)
    for uid in sorted(users):
        for link in plan.links:
            for dst in (link["host4"], link["host6"]):
                for proto in ("tcp", "udp"):
                    for port in plan.ports:
                        out.append(("router", uid, {"id": str(n), "proto": proto, "src": "", "dst": dst, "port": port}))
                        n += 1
    return out


def run_probes(lab, plan, router, tag, matrix):
    names = [l["ns"][tag] for l in plan.links]
    ports = [f"{proto}:{port}" for port in plan.ports for proto in ("tcp", "udp")]
    for ns in names + [router]:
        start_server(lab, ns, ns.split("-")[-1][1:], ports)
    results = {}
    groups = {}
    for where, uid, p in matrix:
        groups.setdefault((where, uid), []).append(p)
    for (where, uid), ps in groups.items():
        ns = router if where == "router" else names[where]
        argv = [sys.executable, "-c", PROBER, str(TIMEOUT)]
        if uid:
            argv = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] + argv
        res = lab.run(ns, argv, input=json.dumps(ps), timeout=600)
        results.update(json.loads(res.stdout))
    return results


class Explainer:
    """Which differences the importer's own reports account for."""

    def __init__(self, reports, plan, cfg):
        self.routers = {a for l in plan.links for a in (l["router4"], l["router6"])}
        self.unfiltered = {6 if "no ip6tables-save given" in reports else 0, 4 if "no iptables-save given" in reports else 0}
        self.output_drop = "drops everything the router itself sends" in reports
        self.typos = [ipaddress.ip_network(m, strict=False)
                      for pair in re.findall(r"(\S+) is not a private range: probably a typo for (\S+);", reports)
                      for m in pair]
        self.dnat_anywhere = set()
        for m in re.finditer(r"DNAT without -d or -i.*\n\s+(.*)", reports):
            self.dnat_anywhere |= {int(p) for p in re.findall(r"--dports? (\d+)", m.group(1))}
        self.dnat_on_link = {}  # device -> ports whose DNAT named it but no address
        for m in re.finditer(r"DNAT without -d also forwards connections to any other address arriving on (\S+) .*\n\s+(.*)",
                             reports):
            ports = {int(p) for spec in re.findall(r"--dports? ([\d,]+)", m.group(2)) for p in spec.split(",")}
            self.dnat_on_link.setdefault(m.group(1), set()).update(ports)
        self.fwd_ports = set()
        for f in (cfg.get("nat") or {}).get("forwards", []):
            for p in f["port"]:
                a, _, b = str(p).partition("-")
                self.fwd_ports |= set(range(int(a), int(b or a) + 1))
        self.wan_router = {l["router4"] for l in plan.links if l["side"] == "wan"}

    def narrowed(self, link):
        """Ports whose DNAT matched any address arriving on `link`."""
        if link["side"] != "wan":
            return set()
        return self.dnat_on_link.get(link["dev"], set()) | self.dnat_anywhere

    def why(self, where, probe, plan):
        if (6 if ":" in probe["dst"] else 4) in self.unfiltered:
            return "the family the ruleset left unfiltered gets the imported policies"
        if self.output_drop and (where == "router" or probe["dst"] in self.routers):
            return "catch-all drop in OUTPUT (the router's own packets and replies) not copied"
        src = ipaddress.ip_address(probe["src"]) if probe["src"] else None
        if src and any(src in n for n in self.typos if n.version == src.version):
            return "typo'd private range corrected"
        lan = where != "router" and plan.links[where]["side"] == "lan"
        if lan and probe["port"] in self.dnat_anywhere and probe["proto"] == "tcp":
            return "DNAT without -d/-i no longer catches the LAN's own connections"
        link = plan.links[where] if where != "router" else None
        if link and probe["dst"] != link["router4"] and probe["proto"] == "tcp" and probe["port"] in self.narrowed(link):
            return "the forward answers only on its uplink's own addresses (DNAT without -d)"
        if lan and probe["dst"] in self.wan_router and probe["port"] in self.fwd_ports:
            return "hairpin: LAN hosts reach the forwards on the public address"
        return None


def add_pppoe_ports(lab, router, cfg):
    """The Ethernet port each PPPoE uplink names (the import's `CHECK` value,
    absent from save files) as a veth stub in `router`: gatewayd keeps that
    port up, and a direct-mode apply is refused whole when a link it must
    manage does not exist. The ppp link itself is the lab's veth."""
    for name, up in (cfg.get("uplinks") or {}).items():
        if up.get("kind") == "pppoe" and up.get("device"):
            lab.ip(router, f"link add {up['device']} type veth peer name {up['device']}-p")


def import_files(lab, ns, gwctl, files):
    """gwctl import, in `ns` when given (it reads the links' addresses there)."""
    argv = [gwctl, "import", "iptables"] + [str(f) for f in files]
    res = lab.run(ns, argv, check=False) if ns else subprocess.run(argv, capture_output=True, text=True)
    if res.returncode not in (0, 3):
        raise RuntimeError(f"gwctl import failed ({res.returncode}):\n{res.stderr}")
    return res.stdout, res.stderr


def verify(gwctl, folder):
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".yaml")
    yaml_text, reports = import_files(None, None, gwctl, files)
    cfg = yaml.safe_load(without_split(yaml_text))
    originals = [line for f in files for line in f.read_text().splitlines() if line.startswith("-A")]
    plan = Plan(cfg, originals)
    placed = {a for l in plan.links for a in (l["router4"], l["router6"], l["host4"], l["host6"])}
    for addr, dev in plan.sources + plan.targets():  # the first place an address is named wins
        if addr not in placed:
            plan.host_for(addr, dev)["extra"].append(addr)
            placed.add(addr)
    lab = Lab(f"iv{folder.name[:2]}")
    try:
        ra, rb = build(lab, plan, "a"), build(lab, plan, "b")
        apply_original(lab, ra, files)
        # Imported again where the links have their lab addresses, as on
        # the router being migrated.
        yaml_text = without_split(import_files(lab, ra, gwctl, files)[0])
        add_pppoe_ports(lab, rb, yaml.safe_load(yaml_text))
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as tmp:
            tmp.write(yaml_text)
            tmp.flush()
            lab.run(rb, [gwctl, "apply", tmp.name], timeout=120)
        matrix = probes(plan, cfg)
        # The two labs share nothing: they are probed side by side (most of
        # the time goes to dropped probes waiting out TIMEOUT).
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = [pool.submit(run_probes, lab, plan, router, tag, matrix) for router, tag in ((ra, "a"), (rb, "b"))]
            a, b = (run.result() for run in runs)
    finally:
        lab.close()
    explain = Explainer(reports, plan, cfg)
    fixes = mismatches = 0
    for where, uid, p in matrix:
        ra_, rb_ = a[p["id"]], b[p["id"]]
        if same(ra_, rb_):
            continue
        why = explain.why(where, p, plan)
        label = "intended fix" if why else "mismatch"
        fixes, mismatches = fixes + bool(why), mismatches + (not why)
        src = "router" + (f" uid {uid}" if uid else "") if where == "router" else p["src"]
        print(f"  {label}: {p['proto']} {src} -> {p['dst']}:{p['port']}: iptables {ra_!r}, gatewayd {rb_!r}"
              + (f" ({why})" if why else ""))
    seen = {}
    for outcome in a.values():
        kind = verdict(outcome).split()[0].replace("open", "accepted")
        seen[kind] = seen.get(kind, 0) + 1
    print(f"{folder.name}: {len(matrix)} probes (under iptables: "
          + ", ".join(f"{n} {k}" for k, n in sorted(seen.items()))
          + f"), {fixes} intended fixes, {mismatches} mismatches")
    return mismatches


def verdict(outcome):
    """What the firewall decided: accepted (with the address the server saw
    and which server answered), rejected (a reset or an ICMP error, whose
    code differs between REJECT's defaults and gatewayd's), dropped."""
    if outcome.startswith("open"):
        return outcome
    return "rejected" if outcome in ("refused", "unreachable") else "dropped"


def same(x, y):
    return verdict(x) == verdict(y)


def main():
    if os.geteuid() != 0:
        print("skipping: the verification lab needs root (network namespaces)")
        sys.exit(77)
    if not shutil.which("iptables-restore"):
        sys.exit("iptables-restore is missing: install the iptables package (scripts/deps.sh does)")
    gwctl, folders = sys.argv[1], [pathlib.Path(p) for p in sys.argv[2:]]
    total = 0
    for folder in folders:
        m = verify(gwctl, folder)
        total += 1 if m is None else m
    print(f"verify: {total} unexplained mismatches")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
