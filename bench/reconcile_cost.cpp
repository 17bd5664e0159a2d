// One reconcile of the real Reconciler on the real kernel, timed, run the
// way the daemon runs it after kernel events: after an uplink address change
// (an element-only update of the hairpin set) and after gatewayd's table was
// flushed by hand (a full table replacement).
// The process works in a network namespace of its own with stand-in links
// (lan0, wan0 and a veth called isp for the PPPoE link). Built from this
// tree by meson; daemon_bench.py also builds it against an older tree to
// compare: -DGW_BENCH_NO_VIEW for a tree whose Reconciler has no view of
// its last apply (every run reads everything), -DGW_BENCH_OLD_SEAM for one
// from before the kernel seam (two backends).
//
// usage: reconcile_cost CONFIG ROUNDS [element|full]
// Prints "element|full <wall ms>" per timed reconcile. Under callgrind
// (--collect-atstart=no) only the reconciles of the named kind are counted.
#include <sched.h>
#include <unistd.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT  // no valgrind headers: wall time only
#endif

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#ifdef GW_BENCH_OLD_SEAM
#include "daemon/kernel/nft_backend.hpp"
#include "daemon/netlink/backend.hpp"
#include "daemon/reconcile/features.hpp"
#include "daemon/reconcile/reconciler.hpp"
#else
#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/kernel/probe/features.hpp"
#include "daemon/reconcile/reconciler.hpp"
#endif

using namespace gw;

namespace {

void sh(const std::string& cmd) {
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) {
        std::fprintf(stderr, "failed: %s\n", cmd.c_str());
        std::exit(1);
    }
}

#ifdef GW_BENCH_OLD_SEAM
struct Gateway {
    std::unique_ptr<kernel::NftNetlink> nft;
    kernel::LibnlNetBackend net;
    reconcile::MapAccounts accounts;
    std::unique_ptr<reconcile::Reconciler> reconciler;
    Gateway() {
        nft = std::move(*kernel::NftNetlink::open());
        reconciler = std::make_unique<reconcile::Reconciler>(
            *nft, net, accounts, [this] { return reconcile::probe_kernel_features(*nft); });
    }
    auto load(const std::string& text) { return reconcile::load_config({text, "bench.yaml"}, &accounts); }
};
#else
struct Gateway {
    std::unique_ptr<kernel::LinuxKernel> kernel;
    host::MapAccounts accounts;
    std::unique_ptr<reconcile::Reconciler> reconciler;
    Gateway() {
        kernel = std::move(*kernel::LinuxKernel::open());
        reconciler = std::make_unique<reconcile::Reconciler>(
            *kernel, accounts, [this] { return kernel::probe_kernel_features(*kernel); });
    }
    auto load(const std::string& text) { return config::load_config({text, "bench.yaml"}, &accounts); }
};
#endif

// A reconcile as kernel events cause it in the daemon.
template <class Cfg>
reconcile::ReconcileResult event_run(Gateway& g, const Cfg& cfg) {
#if defined(GW_BENCH_OLD_SEAM) || defined(GW_BENCH_NO_VIEW)
    return g.reconciler->run(cfg, reconcile::Mode::apply);
#else
    return g.reconciler->run(cfg, reconcile::Mode::apply, reconcile::Observe::since_last_apply);
#endif
}

// One reconcile, timed (and counted under callgrind when `count`).
template <class Cfg>
double timed(Gateway& g, const Cfg& cfg, bool count, const char* kind, nft::ChangeKind want) {
    if (count) CALLGRIND_TOGGLE_COLLECT;
    auto t0 = std::chrono::steady_clock::now();
    auto r = event_run(g, cfg);
    auto t1 = std::chrono::steady_clock::now();
    if (count) CALLGRIND_TOGGLE_COLLECT;
    if (!r.ok() || r.nft_change != want) {
        std::fprintf(stderr, "%s reconcile: unexpected result: %s\n%s", kind, r.summary(reconcile::Mode::apply).c_str(),
                     r.describe_errors("bench.yaml").c_str());
        std::exit(1);
    }
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fputs("usage: reconcile_cost CONFIG ROUNDS [element|full]\n", stderr);
        return 2;
    }
    std::string only = argc > 3 ? argv[3] : "";
    if (unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    sh("ip link set lo up");
    for (const char* l : {"lan0", "wan0", "isp"}) {
        sh(std::string("ip link add ") + l + " type veth peer name " + l + "-p");
        sh(std::string("ip link set ") + l + " up");
    }
    sh("ip addr add 198.51.100.2/24 dev isp");
    std::ifstream in(argv[1]);
    std::stringstream text;
    text << in.rdbuf();
    Gateway g;
    auto cfg = g.load(text.str());
    if (!cfg) {
        std::fprintf(stderr, "config: %s\n", cfg.error().message.c_str());
        return 1;
    }
    timed(g, *cfg, false, "first", nft::ChangeKind::structure);
    int rounds = std::atoi(argv[2]);
    std::string old = "198.51.100.2/24";
    for (int i = 0; i < rounds; ++i) {
        std::string next = "198.51.100." + std::to_string(10 + i % 200) + "/24";
        sh("ip addr del " + old + " dev isp");
        sh("ip addr add " + next + " dev isp");
        old = next;
        double e = timed(g, *cfg, only == "element", "element", nft::ChangeKind::elements);
        sh("nft flush chain inet gatewayd forward");
        double f = timed(g, *cfg, only == "full", "full", nft::ChangeKind::structure);
        std::printf("element %.3f\nfull %.3f\n", e, f);
    }
    return 0;
}
