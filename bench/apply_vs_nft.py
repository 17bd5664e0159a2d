#!/usr/bin/env python3
"""Apply time: `gwctl apply` against `nft -f` of the same rendered ruleset,
for N port forwards, a first apply (empty namespace) and a re-apply (over
the same ruleset), each in fresh network namespaces. Prints wall time,
peak RSS and the ratio gwctl/nft.

Usage: bench/apply_vs_nft.py BUILD_DIR [N ...]   (root)"""
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
    """Runs argv, returns (seconds, peak_rss_kib) of that child alone."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    res = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode not in (0,):
        raise RuntimeError(f"{' '.join(argv)}: exit {res.returncode}\n{res.stderr[-2000:]}")
    # ru_maxrss of RUSAGE_CHILDREN is the max over all waited-for children,
    # so each measurement runs in its own forked helper (see measure()).
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def measure(argv):
    """Forks so the peak RSS belongs to this command only."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            t, rss = run_measured(argv)
            os.write(w, f"{t} {rss}".encode())
        except Exception as e:  # reported by the parent
            os.write(w, f"ERR {e}".encode())
        os._exit(0)
    os.close(w)
    out = os.read(r, 65536).decode()
    os.waitpid(pid, 0)
    if out.startswith("ERR"):
        raise RuntimeError(out)
    t, rss = out.split()
    return float(t), int(rss)


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


def one_case(build, n, workdir):
    gwctl = os.path.join(build, "ctl", "gwctl")
    config = os.path.join(workdir, f"fwd{n}.yaml")
    with open(config, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_forwards.py"), str(n)], stdout=f, check=True)
    rendered = os.path.join(workdir, f"fwd{n}.nft")
    with open(rendered, "w") as f:
        subprocess.run([gwctl, "render", "--replace", config], stdout=f, check=True)
    results = {}
    for tool, argv in (("nft", ["nft", "-f", rendered]),
                       ("gwctl", [gwctl, "apply", config])):
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


def fmt(samples):
    t = statistics.median(s[0] for s in samples) * 1000
    rss = max(s[1] for s in samples) / 1024
    return t, rss


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    sizes = [int(x) for x in sys.argv[2:]] or [10, 100, 1000, 10000]
    print(f"apply time, median of {ROUNDS} fresh namespaces; RSS = peak of the process")
    print("gwctl apply does the whole job: parse + validate the YAML, observe the kernel,")
    print("compile, diff, one nft batch, and the netlink part (addresses, sysctls)")
    print(f"{'N':>6} {'phase':<9} {'nft -f ms':>10} {'gwctl ms':>10} {'ratio':>7} {'nft MiB':>8} {'gwctl MiB':>9}")
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            res = one_case(build, n, workdir)
            for phase, idx in (("first", 0), ("re-apply", 1)):
                nt, nr = fmt(res["nft"][idx])
                gt, gr = fmt(res["gwctl"][idx])
                print(f"{n:>6} {phase:<9} {nt:>10.1f} {gt:>10.1f} {gt / nt:>7.2f} {nr:>8.1f} {gr:>9.1f}")
    print("target: at N = 10000, gwctl/nft ratio <= 0.50")


if __name__ == "__main__":
    main()
