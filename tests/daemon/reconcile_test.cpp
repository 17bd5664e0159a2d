// The Reconciler where only the in-memory kernel can go: a batch the
// kernel refuses (with a chosen errno) leaves the previous state whole, a
// transient refusal is retried. The cases both kernels can run are in
// reconcile_cases.cpp.
#include <doctest/doctest.h>

#include <cerrno>

#include "tests/daemon/fixture.hpp"

using namespace gw;
using reconcile::Mode;

namespace {

bool has_address(const test::FakeNet& net, const std::string& ifname, const std::string& prefix) {
    for (const auto& a : net.kernel().addresses)
        if (a.ifname == ifname && a.prefix.str() == prefix) return true;
    return false;
}

}  // namespace

TEST_CASE("a rejected nft batch leaves everything as it was") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, Mode::apply).ok());
    auto before = gw.nft.tables();
    auto requests = gw.net.requests();

    auto changed = test::kBaseConfig;
    changed.replace(changed.find("port: 443"), 9, "port: 8443");
    changed.replace(changed.find("172.16.2.1/16"), 13, "172.16.2.2/16");
    gw.nft.fail_next(EINVAL, "bad rule");
    auto r = gw.reconciler.run(gw.load(changed), Mode::apply);
    REQUIRE(r.fatal());
    CHECK(r.errors.front().message.find("Invalid argument (bad rule)") != std::string::npos);
    CHECK_FALSE(r.nft_in_sync);
    CHECK(gw.nft.tables() == before);
    CHECK(gw.net.requests() == requests);  // netlink follows nft, or nothing happens
    CHECK(has_address(gw.net, "lan0", "172.16.2.1/16"));
}

TEST_CASE("a transient nft error is reported as such, and the next pass succeeds") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    gw.nft.fail_next(EBUSY);
    auto r = gw.reconciler.run(cfg, Mode::apply);
    CHECK(r.transient());
    CHECK_FALSE(r.fatal());
    CHECK(gw.nft.applies() == 0);
    auto again = gw.reconciler.run(cfg, Mode::apply);
    CHECK(again.ok());
    CHECK(gw.nft.applies() == 1);
}

TEST_CASE("a re-created link is brought up again") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, Mode::apply).ok());
    gw.net.remove_link("lan0");
    CHECK(gw.reconciler.run(cfg, Mode::apply).transient());
    gw.net.add_device("lan0");  // down, as a new device comes
    CHECK(gw.reconciler.run(cfg, Mode::apply).ok());
    CHECK(has_address(gw.net, "lan0", "172.16.2.1/16"));
    CHECK(gw.net.kernel().find_link("lan0")->up);
}
