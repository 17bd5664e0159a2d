#!/usr/bin/env python3
"""gatewayd as a running daemon: how long an uplink address change takes to
reach the kernel's ruleset, and how much memory the idle daemon holds.

1. Event -> kernel latency. gatewayd runs in the gateway namespace of the
   home-router lab with examples/home-router.yaml (the PPPoE link stood in
   by the veth "isp"). A probe in the same namespace swaps the address on
   isp (RTM_DELADDR old, RTM_NEWADDR 198.51.100.X/24, sent over its own
   rtnetlink socket so no process start-up is timed) and listens on
   NFNLGRP_NFTABLES for the NEWSETELEM that puts X into
   `uplink_addr4` of `table inet gatewayd`. Latency = kernel ack of the new
   address -> arrival of that notification (sent at commit). The daemon
   waits out its debounce interval after the last event of a burst before
   it reconciles, so the figure is debounce + reconcile; it is measured for
   several --debounce-ms values, the daemon's default (5) among them.
   With --sizes, the same for generated configs of each number of forwards.
2. Idle memory: VmRSS and VmHWM of gatewayd one second after READY=1, with
   the home-router config and with N generated forwards.
3. With --before TREE (a checkout of an older commit, built in TREE/build):
   the cost of one event-driven reconcile after an uplink address change
   (an element-only update) and of one full table replacement, at each
   size (default 10 and 10,000), side by side for TREE and BUILD_DIR: wall
   ms (median) from bench/reconcile_cost.cpp on the real kernel in its own
   namespace, and instructions from callgrind (only the reconcile itself is
   counted); the same source is compiled against TREE. Then event -> kernel
   latency at each size with TREE's gatewayd and with this one, and a
   summary: both costs, element / full, p50 and p99 per size and tree.

Usage: bench/daemon_bench.py BUILD_DIR [--events N] [--debounce MS,MS,...]
                             [--forwards N] [--sizes N,N,...] [--before TREE]
                             [--rounds N]                         (root)"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
sys.path.insert(0, os.path.join(ROOT, "tests", "netns"))
from daemon_lab import Bus, Gateway, require_root  # noqa: E402
from home_router_lab import HomeRouterLab  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "home-router.yaml")
TARGET_P99_MS = 50.0
TARGET_P99_LARGE_MS = 20.0   # at 10,000 forwards
TARGET_ELEMENT_RATIO = 0.05  # element update / full apply at 10,000 forwards
TARGET_RSS_SMALL_MIB = 8.0
TARGET_RSS_LARGE_MIB = 32.0

# Runs inside the gateway namespace. Prints one line per event:
# "lat <ms>" or "timeout <address>", then "done".
PROBE = textwrap.dedent(r"""
    import random, select, socket, struct, sys, time
    ifname, count, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    NETLINK_NETFILTER, SOL_NETLINK, ADD_MEMBERSHIP = 12, 270, 1
    NFNLGRP_NFTABLES, NFT_SUBSYS, NFT_MSG_NEWSETELEM = 7, 10, 12
    RTM_NEWADDR, RTM_DELADDR, NLMSG_ERROR = 20, 21, 2
    F_REQUEST, F_ACK, F_EXCL, F_CREATE = 1, 4, 0x200, 0x400

    def attrs(buf):
        # (type, payload) of each netlink attribute in buf.
        off = 0
        while off + 4 <= len(buf):
            ln, ty = struct.unpack_from("HH", buf, off)
            if ln < 4:
                break
            yield ty & 0x3fff, buf[off + 4:off + ln]
            off += (ln + 3) & ~3

    def messages(data):
        off = 0
        while off + 16 <= len(data):
            ln, ty = struct.unpack_from("IH", data, off)
            if ln < 16:
                break
            yield ty, data[off + 16:off + ln]
            off += (ln + 3) & ~3

    def set_elements(payload, name):
        # Keys of a NEWSETELEM for set `name`, else none.
        a = dict((t, v) for t, v in attrs(payload[4:]))  # skip nfgenmsg
        if a.get(2, b"").rstrip(b"\0") != name.encode():
            return []
        keys = []
        for _, elem in attrs(a.get(3, b"")):
            for t, key in attrs(elem):
                if t == 1:  # NFTA_SET_ELEM_KEY -> NFTA_DATA_VALUE
                    keys += [v for vt, v in attrs(key) if vt == 1]
        return keys

    rt = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    rt.bind((0, 0))
    nf = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    nf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    nf.bind((0, 0))
    nf.setsockopt(SOL_NETLINK, ADD_MEMBERSHIP, NFNLGRP_NFTABLES)
    index = socket.if_nametoindex(ifname)
    seq = [0]

    def addr_request(kind, flags, address):
        seq[0] += 1
        raw = socket.inet_aton(address)
        body = struct.pack("BBBBI", socket.AF_INET, 24, 0, 0, index)
        body += struct.pack("HH", 8, 2) + raw + struct.pack("HH", 8, 1) + raw  # IFA_LOCAL, IFA_ADDRESS
        rt.send(struct.pack("IHHII", 16 + len(body), kind, F_REQUEST | F_ACK | flags, seq[0], 0) + body)
        for ty, payload in messages(rt.recv(65536)):
            if ty == NLMSG_ERROR and struct.unpack_from("i", payload)[0] != 0:
                sys.exit("address request failed: %d" % struct.unpack_from("i", payload)[0])

    def drain():
        nf.setblocking(False)
        try:
            while nf.recv(1 << 20):
                pass
        except BlockingIOError:
            pass
        nf.setblocking(True)

    old = sys.argv[4]
    hosts = [x for x in range(10, 250) if socket.inet_aton("198.51.100.%d" % x) != socket.inet_aton(old)]
    for i in range(count):
        new = "198.51.100.%d" % hosts[i % len(hosts)]
        drain()
        addr_request(RTM_DELADDR, 0, old)
        addr_request(RTM_NEWADDR, F_CREATE | F_EXCL, new)
        t0 = time.monotonic()
        want, seen, deadline = socket.inet_aton(new), False, t0 + 5
        while not seen and time.monotonic() < deadline:
            r, _, _ = select.select([nf], [], [], max(0, deadline - time.monotonic()))
            if not r:
                break
            for ty, payload in messages(nf.recv(1 << 20)):
                if ty == (NFT_SUBSYS << 8 | NFT_MSG_NEWSETELEM) and want in set_elements(payload, "uplink_addr4"):
                    seen = True
        t1 = time.monotonic()
        print(("lat %.3f" % ((t1 - t0) * 1000)) if seen else ("timeout " + new), flush=True)
        old = new
        time.sleep(gap + random.uniform(0, 0.05))  # idle daemon; no phase lock with its timers
    print("done", flush=True)
""")


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q / 100 * len(s) + 0.5)) - 1))]


def with_daemon(build, config_text, tag, fn, debounce_ms=5, ready_timeout=60):
    """Home-router lab + private bus + gatewayd on `config_text`; fn(hr, g)."""
    hr = HomeRouterLab(tag)
    work = tempfile.mkdtemp(prefix="gwbench-")
    bus = Bus(work)
    try:
        g = Gateway(hr.lab, hr.gw, os.path.join(build, "daemon", "gatewayd"),
                         os.path.join(build, "ctl", "gwctl"), work, bus)
        g.write_config(config_text)
        t = time.monotonic()
        if not g.start(timeout=ready_timeout, debounce_ms=debounce_ms):
            raise RuntimeError(f"gatewayd did not get READY:\n{g.log()[-3000:]}")
        ready_s = time.monotonic() - t
        try:
            return fn(hr, g, ready_s)
        finally:
            g.stop()
    finally:
        bus.close()
        hr.close()
        subprocess.run(["rm", "-rf", work])


def latency_run(hr, g, events):
    if "198.51.100.2" not in g.nft("list set inet gatewayd uplink_addr4").stdout:
        raise RuntimeError("uplink_addr4 does not hold the starting address:\n" + g.table_text())
    probe = hr.lab.spawn(hr.gw, [sys.executable, "-c", PROBE, "isp", str(events), "0.2", "198.51.100.2"])
    lat, timeouts = [], 0
    for line in probe.stdout:
        word, _, value = line.strip().partition(" ")
        if word == "lat":
            lat.append(float(value))
        elif word == "timeout":
            timeouts += 1
            if timeouts <= 3:
                print(f"   no NEWSETELEM for {value} within 5 s; gatewayd log tail:\n{g.log()[-1500:]}", flush=True)
        elif word == "done":
            break
    probe.wait()
    if probe.returncode != 0:
        raise RuntimeError("probe failed: " + probe.stderr.read())
    return lat, timeouts, g.log().count("event: ")


def generated(forwards):
    return subprocess.run([sys.executable, os.path.join(HERE, "gen_forwards.py"), str(forwards)],
                          capture_output=True, text=True, check=True).stdout


def bench_latency(build, events, debounces, label="examples/home-router.yaml", config=None,
                  target=TARGET_P99_MS):
    print(f"== event -> kernel latency: {events} uplink address changes on isp, {label}")
    print("   (kernel ack of RTM_NEWADDR -> NEWSETELEM of the address into uplink_addr4)")
    rows = []
    config = config or open(EXAMPLE).read()
    for d in debounces:
        lat, timeouts, logged = with_daemon(build, config, f"l{d}",
                                            lambda hr, g, _: latency_run(hr, g, events), debounce_ms=d,
                                            ready_timeout=300)
        if not lat:
            print(f"   debounce {d:>3} ms: no event reached the kernel ({timeouts} timeouts)")
            continue
        p50, p99, mx = statistics.median(lat), percentile(lat, 99), max(lat)
        verdict = "meets" if p99 < target and not timeouts else "MISSES"
        print(f"   debounce {d:>3} ms: n={len(lat)} timeouts={timeouts} p50={p50:.1f} ms p99={p99:.1f} ms "
              f"max={mx:.1f} ms min={min(lat):.1f} ms  [{verdict} target p99 < {target:.0f} ms]"
              f"  (event reconciles logged: {logged})")
        rows.append((d, len(lat), timeouts, p50, p99, mx))
    return rows


def memory_of(pid):
    """VmRSS, VmHWM, RssAnon and RssFile of pid in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    if fields["Name"][0] != "gatewayd":
        raise RuntimeError(f"pid {pid} is {fields['Name'][0]}, not gatewayd")
    return tuple(int(fields[k][0]) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"))


def idle_memory(hr, g, ready_s):
    time.sleep(1.0)
    return memory_of(g.proc.pid) + (ready_s,)


def bench_memory(build, forwards):
    print("== idle memory of gatewayd (1 s after READY=1)")
    rows = []
    for label, text, target in (("home-router.yaml", open(EXAMPLE).read(), TARGET_RSS_SMALL_MIB),
                                (f"{forwards} forwards", generated(forwards), TARGET_RSS_LARGE_MIB)):
        rss, hwm, anon, file, ready_s = with_daemon(build, text, "m", idle_memory, ready_timeout=300)
        verdict = "meets" if rss / 1024 < target else "MISSES"
        print(f"   {label:>18}: VmRSS {rss / 1024:.1f} MiB  VmHWM {hwm / 1024:.1f} MiB  "
              f"(anon {anon / 1024:.1f}, file-backed {file / 1024:.1f})  "
              f"(start to READY {ready_s:.2f} s)  [{verdict} target VmRSS < {target:.0f} MiB]")
        rows.append((label, rss, hwm, ready_s))
    return rows


def build_old_cost(tree, out):
    """bench/reconcile_cost.cpp compiled against `tree` (its build/ holds the libraries)."""
    libs = [os.path.join(tree, "build", p) for p in
            ("daemon/libgwdaemon.a", "daemon/libgwkernel.a", "daemon/status/libgwstatus.a", "rules/libgwrules.a")]
    libs = [lib for lib in libs if os.path.exists(lib)]
    pkgs = ["libnftnl", "libmnl", "libnl-3.0", "libnl-route-3.0", "yaml-cpp", "libsystemd"]
    flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + pkgs, capture_output=True, text=True,
                           check=True).stdout.split()
    subprocess.run(["g++", "-std=c++2b", "-O2", "-I", tree] + old_tree_macros(tree) +
                   [os.path.join(HERE, "reconcile_cost.cpp"), "-o", out] + libs + libs + flags, check=True)


def old_tree_macros(tree):
    """Which API the older tree has: the two backends, the seam without a view of the last apply, or this one."""
    if os.path.exists(os.path.join(tree, "daemon", "kernel", "nft_backend.hpp")):
        return ["-DGW_BENCH_OLD_SEAM"]
    with open(os.path.join(tree, "daemon", "reconcile", "reconciler.hpp")) as f:
        return [] if "since_last_apply" in f.read() else ["-DGW_BENCH_NO_VIEW"]


def cost_run(binary, config_path, rounds):
    out = subprocess.run([binary, config_path, str(rounds)], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{binary} failed:\n{out.stderr}")
    got = {"element": [], "full": []}
    for line in out.stdout.splitlines():
        kind, value = line.split()
        got[kind].append(float(value))
    return {k: statistics.median(v) for k, v in got.items()}


def cost_instructions(binary, config_path, kind, work):
    """Instructions of one reconcile of `kind`, counted by callgrind."""
    out_file = os.path.join(work, f"cg.{kind}.{os.getpid()}")
    subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out_file}",
                    binary, config_path, "1", kind], capture_output=True, text=True, check=True)
    with open(out_file) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + out_file)


def bench_reconcile_cost(build, before, sizes, rounds):
    """Wall ms (median) and instructions of both kinds, per size and tree: {(n, label): (wall, instr)}."""
    print(f"== one event-driven reconcile on the real kernel: before = {before}, after = {build}")
    print("   element: after an uplink address change; full: after `nft flush chain` (table replaced)")
    work = tempfile.mkdtemp(prefix="gwcost-")
    old = os.path.join(work, "reconcile_cost_before")
    build_old_cost(before, old)
    new = os.path.join(build, "bench", "reconcile_cost")
    print(f"   {'forwards':>8} {'kind':>8} {'before ms':>10} {'after ms':>9} {'before Minstr':>14} "
          f"{'after Minstr':>13}")
    rows = {}
    for n in sizes:
        path = os.path.join(work, f"fwd{n}.yaml")
        with open(path, "w") as f:
            f.write(generated(n))
        for label, binary in (("before", old), ("after", new)):
            wall = cost_run(binary, path, rounds if n < 1000 else max(3, rounds // 4))
            instr = {k: cost_instructions(binary, path, k, work) for k in ("element", "full")}
            rows[(n, label)] = (wall, instr)
        for kind in ("element", "full"):
            (bw, bi), (aw, ai) = rows[(n, "before")], rows[(n, "after")]
            print(f"   {n:>8} {kind:>8} {bw[kind]:>10.2f} {aw[kind]:>9.2f} {bi[kind] / 1e6:>14.2f} "
                  f"{ai[kind] / 1e6:>13.2f}")
    subprocess.run(["rm", "-rf", work])
    return rows


def bench_latency_sizes(builds, events, debounce, sizes):
    """p50/p99 event -> kernel per size and tree: {(n, label): (p50, p99, timeouts)}."""
    out = {}
    for n in sizes:
        target = TARGET_P99_LARGE_MS if n >= 10000 else TARGET_P99_MS
        for label, build in builds:
            rows = bench_latency(build, events, [debounce], f"{n} generated forwards, {label} ({build})",
                                 generated(n), target)
            if rows:
                _, _, timeouts, p50, p99, _ = rows[0]
                out[(n, label)] = (p50, p99, timeouts)
    return out


def print_summary(cost, latency, sizes, debounce):
    """The issue's figures side by side: one line per size and tree."""
    print(f"== summary (event-driven reconciles; latency with --debounce-ms {debounce})")
    print(f"   {'forwards':>8} {'tree':>6} {'addr ms':>8} {'addr Minstr':>12} {'full ms':>8} {'full Minstr':>12} "
          f"{'elem/full wall':>15} {'instr':>6} {'p50 ms':>7} {'p99 ms':>7}")
    for n in sizes:
        for label in ("before", "after"):
            wall, instr = cost[(n, label)]
            p50, p99, _ = latency.get((n, label), (float("nan"),) * 3)
            ratio = wall["element"] / wall["full"]
            print(f"   {n:>8} {label:>6} {wall['element']:>8.2f} {instr['element'] / 1e6:>12.2f} "
                  f"{wall['full']:>8.2f} {instr['full'] / 1e6:>12.2f} {ratio:>15.3f} "
                  f"{instr['element'] / instr['full']:>6.3f} {p50:>7.1f} {p99:>7.1f}")
    if (10000, "after") in cost:
        wall, _ = cost[(10000, "after")]
        ratio = wall["element"] / wall["full"]
        print(f"   element / full at 10000 (after): {ratio:.3f}  "
              f"[{'meets' if ratio <= TARGET_ELEMENT_RATIO else 'MISSES'} target <= {TARGET_ELEMENT_RATIO}]")
    if (10000, "after") in latency:
        p99 = latency[(10000, "after")][1]
        print(f"   event -> kernel p99 at 10000 (after): {p99:.1f} ms  "
              f"[{'meets' if p99 < TARGET_P99_LARGE_MS else 'MISSES'} target < {TARGET_P99_LARGE_MS:.0f} ms]")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--debounce", default="5,15,0", help="--debounce-ms values, comma-separated")
    ap.add_argument("--forwards", type=int, default=10000)
    ap.add_argument("--sizes", default="", help="also measure latency and reconcile cost at these forward counts")
    ap.add_argument("--before", help="an older checkout, built in BEFORE/build, for the reconcile cost")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    require_root()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  cores={os.cpu_count()}  loadavg={os.getloadavg()[0]:.2f}")
    sizes = [int(n) for n in args.sizes.split(",") if n]
    debounce = int(args.debounce.split(",")[0])
    if args.before:
        sizes = sizes or [10, 10000]
        cost = bench_reconcile_cost(args.build, args.before, sizes, args.rounds)
        builds = [("before", os.path.join(args.before, "build")), ("after", args.build)]
        latency = {} if args.skip_latency else bench_latency_sizes(builds, args.events, debounce, sizes)
        print_summary(cost, latency, sizes, debounce)
    elif not args.skip_latency:
        bench_latency(args.build, args.events, [int(d) for d in args.debounce.split(",")])
        bench_latency_sizes([("this tree", args.build)], args.events, debounce, sizes)
    if not args.skip_memory:
        bench_memory(args.build, args.forwards)
    print(f"loadavg at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
