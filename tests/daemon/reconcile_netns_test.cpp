// The Reconciler against the real kernel (NftNetlink, LibnlNetBackend) in a
// network namespace of this process's own: one pass converges and a second
// sends nothing, diff/check change nothing, a missing user stops the run
// before anything is sent, hand-made drift is repaired, an uplink address
// change is an element-only update, and a re-created link is restored.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "daemon/kernel/probe/features.hpp"
#include "daemon/reconcile/reconciler.hpp"
#include "rules/nft/compile.hpp"
#include "tests/daemon/fixture.hpp"

using namespace gw;
using reconcile::Mode;

namespace {

void sh(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
}

struct RealGateway {
    std::unique_ptr<kernel::NftNetlink> nft;
    kernel::LibnlNetBackend net;
    host::MapAccounts accounts;
    std::unique_ptr<reconcile::Reconciler> reconciler;

    RealGateway() {
        // A fresh start for every case: no table, fresh links.
        std::system("nft delete table inet gatewayd >/dev/null 2>&1");
        std::system("ip link del lan0 >/dev/null 2>&1; ip link del wan0 >/dev/null 2>&1");
        sh("ip link add lan0 type veth peer name lanpeer");
        sh("ip link add wan0 type veth peer name wanpeer");
        sh("ip link set wan0 up");
        sh("ip link set wanpeer up");
        sh("ip addr add 192.0.2.2/24 dev wan0");
        accounts.users["dbuser"] = 1234;
        auto n = kernel::NftNetlink::open();
        REQUIRE(n);
        nft = std::move(*n);
        reconciler = std::make_unique<reconcile::Reconciler>(
            *nft, net, accounts, [this] { return kernel::probe_kernel_features(*nft); });
    }

    config::LoadedConfig load(const std::string& text) {
        auto cfg = config::load_config({text, "test.yaml"}, &accounts);
        REQUIRE(cfg);
        return std::move(*cfg);
    }

    nft::Ruleset observed() {
        auto rs = nft->observe();
        REQUIRE(rs);
        return *rs;
    }
};

bool has_address(RealGateway& g, const std::string& ifname, const std::string& prefix) {
    auto a = g.net.observe_addresses({ifname});
    REQUIRE(a);
    auto it = a->find(ifname);
    if (it == a->end()) return false;
    for (const auto& addr : it->second)
        if (addr.str() == prefix) return true;
    return false;
}

std::string hairpin(RealGateway& g) {
    std::string out;
    for (const auto& t : g.observed().tables)
        for (const auto& s : t.sets)
            if (s.name == rules::kUplinkAddr4Set)
                for (const auto& e : s.elements) out += std::get<net::Prefix>(e.key.at(0)).str() + " ";
    return out;
}

}  // namespace

TEST_CASE("real kernel: converge in one pass, then nothing to do") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    auto first = g.reconciler->run(cfg, Mode::apply);
    INFO(first.describe_errors("test.yaml"));
    CHECK(first.ok());
    CHECK(first.changed);
    CHECK(has_address(g, "lan0", "172.16.2.1"));
    auto second = g.reconciler->run(cfg, Mode::apply);
    INFO(second.diff_text());
    CHECK(second.ok());
    CHECK_FALSE(second.changed);
}

TEST_CASE("real kernel: diff and check change nothing") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    CHECK(g.reconciler->run(cfg, Mode::diff).changed);
    auto c = g.reconciler->run(cfg, Mode::check);
    INFO(c.describe_errors("test.yaml"));
    CHECK(c.ok());
    CHECK(g.observed().tables.empty());
    CHECK_FALSE(has_address(g, "lan0", "172.16.2.1"));
}

TEST_CASE("real kernel: a missing user stops the run before anything is sent") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    g.accounts.users.clear();
    auto r = g.reconciler->run(cfg, Mode::apply);
    CHECK(r.fatal());
    CHECK(g.observed().tables.empty());
    CHECK_FALSE(has_address(g, "lan0", "172.16.2.1"));
}

TEST_CASE("real kernel: a table flushed or deleted by hand is restored") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    REQUIRE(g.reconciler->run(cfg, Mode::apply).ok());
    auto wanted = g.observed();
    sh("nft flush table inet gatewayd");
    CHECK(g.reconciler->run(cfg, Mode::apply).changed);
    CHECK(g.observed() == wanted);
    sh("nft delete table inet gatewayd");
    CHECK(g.reconciler->run(cfg, Mode::apply).changed);
    CHECK(g.observed() == wanted);
}

TEST_CASE("real kernel: an uplink address change is an element-only update") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    REQUIRE(g.reconciler->run(cfg, Mode::apply).ok());
    CHECK(hairpin(g) == "192.0.2.2/32 ");
    sh("ip addr del 192.0.2.2/24 dev wan0");
    sh("ip addr add 192.0.2.77/24 dev wan0");
    auto r = g.reconciler->run(cfg, Mode::apply);
    INFO(r.describe_errors("test.yaml"));
    CHECK(r.nft_change == nft::ChangeKind::elements);
    CHECK(hairpin(g) == "192.0.2.77/32 ");
    CHECK_FALSE(g.reconciler->run(cfg, Mode::apply).changed);
}

TEST_CASE("real kernel: a link deleted and re-created gets its address back") {
    RealGateway g;
    auto cfg = g.load(test::kBaseConfig);
    REQUIRE(g.reconciler->run(cfg, Mode::apply).ok());
    sh("ip link del lan0");
    auto gone = g.reconciler->run(cfg, Mode::apply);
    CHECK(gone.transient());
    sh("ip link add lan0 type veth peer name lanpeer");
    auto back = g.reconciler->run(cfg, Mode::apply);
    INFO(back.describe_errors("test.yaml"));
    CHECK(back.ok());
    CHECK(has_address(g, "lan0", "172.16.2.1"));
}

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: needs root (a network namespace, nftables)");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::printf("skipping: cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    std::system("ip link set lo up");
    doctest::Context context(argc, argv);
    return context.run();
}
