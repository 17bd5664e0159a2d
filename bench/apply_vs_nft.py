#!/usr/bin/env python3
"""Apply time: `gwctl apply` against `nft -f` of the same rendered ruleset,
for N port forwards, a first apply (empty namespace) and a re-apply (over
the same ruleset), each in fresh network namespaces (never the host's
ruleset). Prints wall and CPU time, peak RSS and the ratio gwctl/nft.

The YAML scan (yaml-cpp's parser over the file, bench/yaml_scan) is
measured on its own, so that what gwctl costs beyond it ("rest") can be
compared with nft -f as well. With --instructions, the same comparison in
user-space instructions counted by callgrind (valgrind), which the load of
a shared machine does not move. With --firewalld, the peer firewalld loads
the same forwards as forward-ports of a zone (bench/firewalld_peer.py).

Usage: bench/apply_vs_nft.py [--instructions] [--firewalld] [BUILD_DIR [N ...]]   (root;
--help lists the options). bench/deps.sh installs valgrind and unpacks firewalld."""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = 5


def run_measured(argv):
    """Runs argv, returns (wall s, cpu s, peak_rss_kib) of that child alone."""
    start = time.perf_counter()
    res = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {res.returncode}\n{res.stderr[-2000:]}")
    # RUSAGE_CHILDREN sums CPU over all waited-for children and takes the
    # max of their RSS, so each measurement runs in its own forked helper
    # (see measure()), whose only children are this command's.
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def measure(argv):
    """Forks so the CPU time and peak RSS belong to this command only."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            wall, cpu, rss = run_measured(argv)
            os.write(w, f"{wall} {cpu} {rss}".encode())
        except Exception as e:  # reported by the parent
            os.write(w, f"ERR {e}".encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 65536).decode()
    os.waitpid(pid, 0)
    if out.startswith("ERR"):
        raise RuntimeError(out)
    wall, cpu, rss = out.split()
    return float(wall), float(cpu), int(rss)


class Netns:
    def __init__(self, name):
        self.name = name
        subprocess.run(["ip", "netns", "add", name], check=True)
        # The links the config names, so gwctl's netlink part has its devices.
        for link in ("lan0", "wan0"):
            subprocess.run(["ip", "-n", name, "link", "add", link, "type", "bridge"], check=True)

    def exec(self, argv):
        return ["ip", "netns", "exec", self.name] + argv

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], check=False)


def write_inputs(build, n, workdir):
    """The generated config and its rendered ruleset."""
    config = os.path.join(workdir, f"fwd{n}.yaml")
    with open(config, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_forwards.py"), str(n)], stdout=f, check=True)
    rendered = os.path.join(workdir, f"fwd{n}.nft")
    with open(rendered, "w") as f:
        subprocess.run([os.path.join(build, "ctl", "gwctl"), "render", "--replace", config], stdout=f, check=True)
    return config, rendered


def tool_commands(build, config, rendered):
    return (("nft", ["nft", "-f", rendered]),
            ("gwctl", [os.path.join(build, "ctl", "gwctl"), "apply", config]))


def timed_case(build, config, rendered):
    """{tool: (first samples, re-apply samples)}, each sample (wall, cpu, rss)."""
    results = {}
    for tool, argv in tool_commands(build, config, rendered):
        first, again = [], []
        for i in range(ROUNDS):
            ns = Netns(f"gwbench{os.getpid()}-{tool}{i}")
            try:
                first.append(measure(ns.exec(argv)))
                again.append(measure(ns.exec(argv)))
            finally:
                ns.close()
        results[tool] = (first, again)
    return results


def scan_times(build, config):
    """(wall ms, cpu ms) of yaml-cpp's scan of the file, medians in one process."""
    out = subprocess.run([os.path.join(build, "bench", "yaml_scan"), config, str(ROUNDS)],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[1]), float(out[2])


def callgrind_count(argv, *, ns=None, collect_atstart=True):
    """User-space instructions of argv (in netns ns), counted by callgrind."""
    with tempfile.NamedTemporaryFile(suffix=".cg") as out:
        vg = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
              f"--collect-atstart={'yes' if collect_atstart else 'no'}"]
        res = subprocess.run(ns.exec(vg + argv) if ns else vg + argv, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} under callgrind: exit {res.returncode}\n{res.stderr[-2000:]}")
        for line in res.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1].replace(",", "").strip())
    raise RuntimeError(f"no instruction count for {' '.join(argv)}")


def instruction_case(build, config, rendered):
    """{tool: (first, re-apply)} instructions, and the scan's, one run each."""
    counts = {}
    for tool, argv in tool_commands(build, config, rendered):
        ns = Netns(f"gwbench{os.getpid()}-cg{tool}")
        try:
            counts[tool] = (callgrind_count(argv, ns=ns), callgrind_count(argv, ns=ns))
        finally:
            ns.close()
    scan = callgrind_count([os.path.join(build, "bench", "yaml_scan"), config, "1"], collect_atstart=False)
    return counts, scan


def med(samples, i):
    return statistics.median(s[i] for s in samples) * 1000


def print_times(n, res, scan):
    scan_wall, scan_cpu = scan
    for phase, idx in (("first", 0), ("re-apply", 1)):
        nft, gw = res["nft"][idx], res["gwctl"][idx]
        nw, gwall = med(nft, 0), med(gw, 0)
        nc, gc = med(nft, 1), med(gw, 1)
        nr, gr = max(s[2] for s in nft) / 1024, max(s[2] for s in gw) / 1024
        print(f"{n:>6} {phase:<9} {nw:>8.1f} {gwall:>8.1f} {gwall / nw:>6.2f} {(gwall - scan_wall) / nw:>6.2f}"
              f"   {nc:>7.1f} {gc:>7.1f} {scan_cpu:>6.1f} {gc / nc:>6.2f} {(gc - scan_cpu) / nc:>6.2f}"
              f"   {nr:>6.1f} {gr:>6.1f}")


def print_instructions(n, counts, scan):
    for phase, idx in (("first", 0), ("re-apply", 1)):
        nft, gw = counts["nft"][idx], counts["gwctl"][idx]
        print(f"{n:>6} {phase:<9} {nft / 1e6:>9.1f} {gw / 1e6:>9.1f} {scan / 1e6:>9.1f}"
              f" {gw / nft:>6.2f} {(gw - scan) / nft:>6.2f}")


def load_line(when):
    return f"load average {when}: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build", nargs="?", default="build",
                   help="meson build directory holding ctl/gwctl and bench/yaml_scan (default: build)")
    p.add_argument("sizes", nargs="*", type=int, metavar="N",
                   help="numbers of port forwards to measure (default: 10 1000 10000)")
    p.add_argument("--instructions", action="store_true",
                   help="also count user-space instructions with callgrind (valgrind; one run per cell)")
    p.add_argument("--firewalld", action="store_true",
                   help="also time the peer firewalld loading the same forwards (slow)")
    args = p.parse_args()
    if not os.path.isfile(os.path.join(args.build, "ctl", "gwctl")):
        p.error(f"{args.build}: no ctl/gwctl there; the first argument is the build directory")
    return args


def main():
    args = parse_args()
    build, instructions, firewalld = args.build, args.instructions, args.firewalld
    sizes = args.sizes or [10, 1000, 10000]
    print(time.strftime("%Y-%m-%d %H:%M %Z"), load_line("at the start"))
    print(f"median of {ROUNDS} fresh namespaces per cell; gwctl apply does the whole job: read and")
    print("validate the YAML, observe the kernel, compile, diff, one nft batch, the netlink part.")
    print("scan = yaml-cpp's parser alone over the same file; rest = gwctl - scan; RSS = peak")
    print(f"{'':>16} {'wall ms':-^30}   {'cpu ms (user+sys)':-^40}   {'RSS MiB':-^13}")
    print(f"{'N':>6} {'phase':<9} {'nft -f':>8} {'gwctl':>8} {'ratio':>6} {'rest':>6}"
          f"   {'nft -f':>7} {'gwctl':>7} {'scan':>6} {'ratio':>6} {'rest':>6}   {'nft':>6} {'gwctl':>6}")
    peers = {}
    with tempfile.TemporaryDirectory() as workdir:
        inputs = {n: write_inputs(build, n, workdir) for n in sizes}
        for n in sizes:
            config, rendered = inputs[n]
            res = timed_case(build, config, rendered)
            print_times(n, res, scan_times(build, config))
            peers[n] = res
        if instructions:
            print("user-space instructions (callgrind), millions; rest = gwctl - scan")
            print(f"{'N':>6} {'phase':<9} {'nft -f':>9} {'gwctl':>9} {'scan':>9} {'ratio':>6} {'rest':>6}")
            for n in sizes:
                counts, scan = instruction_case(build, *inputs[n])
                print_instructions(n, counts, scan)
        if firewalld:
            import firewalld_peer
            firewalld_peer.compare(sizes, peers, workdir)
    print("targets at N = 10000: rest <= 0.30 x nft -f; gwctl as far below 1.0 x nft -f as yaml-cpp allows")
    print(load_line("at the end"))


if __name__ == "__main__":
    main()
