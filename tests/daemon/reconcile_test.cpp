// The Reconciler against the in-memory kernels: one pass converges, a
// second changes nothing, errors leave the previous state whole, and only
// set elements move when only an uplink address changed.
#include <doctest/doctest.h>

#include <cerrno>

#include "rules/nft/compile.hpp"
#include "tests/daemon/fixture.hpp"

using namespace gw;
using reconcile::Mode;

namespace {

const nft::Set* find_set(const nft::Ruleset& rs, std::string_view name) {
    for (const auto& t : rs.tables)
        for (const auto& s : t.sets)
            if (s.name == name) return &s;
    return nullptr;
}

bool has_address(const kernel::FakeNetBackend& net, const std::string& ifname, const std::string& prefix) {
    for (const auto& a : net.kernel().addresses)
        if (a.ifname == ifname && a.prefix.str() == prefix) return true;
    return false;
}

std::string hairpin_elements(const nft::Ruleset& rs) {
    const auto* s = find_set(rs, rules::kUplinkAddr4Set);
    REQUIRE(s);
    std::string out;
    for (const auto& e : s->elements)
        for (const auto& k : e.key)
            if (const auto* p = std::get_if<net::Prefix>(&k)) out += p->str() + " ";
    return out;
}

}  // namespace

TEST_CASE("one pass converges, the second changes nothing") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    auto first = gw.reconciler.run(cfg, Mode::apply);
    CHECK(first.ok());
    CHECK(first.changed);
    CHECK(first.nft_change == nft::ChangeKind::structure);
    CHECK(first.nft_in_sync);
    CHECK(gw.nft.applies() == 1);
    CHECK(has_address(gw.net, "lan0", "172.16.2.1/16"));
    CHECK(first.facts.uids.at("dbuser") == 1234);

    auto requests = gw.net.requests();
    auto second = gw.reconciler.run(cfg, Mode::apply);
    CHECK(second.ok());
    CHECK_FALSE(second.changed);
    CHECK(second.nft_diff.empty());
    CHECK(second.net_diff.empty());
    CHECK(gw.nft.applies() == 1);
    CHECK(gw.net.requests() == requests);
}

TEST_CASE("diff and check modes change nothing") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    auto d = gw.reconciler.run(cfg, Mode::diff);
    CHECK(d.changed);
    CHECK(d.nft_diff.find("+table inet gatewayd") != std::string::npos);
    CHECK(d.net_diff.find("+address 172.16.2.1/16 dev lan0") != std::string::npos);
    auto c = gw.reconciler.run(cfg, Mode::check);
    CHECK(c.ok());
    CHECK(gw.nft.checks() == 1);
    CHECK(gw.nft.applies() == 0);
    CHECK(gw.nft.tables().tables.empty());
    CHECK_FALSE(has_address(gw.net, "lan0", "172.16.2.1/16"));
}

TEST_CASE("a missing user is fatal and changes nothing") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    gw.accounts.users.clear();  // the user was deleted after validation
    auto r = gw.reconciler.run(cfg, Mode::apply);
    REQUIRE(r.fatal());
    CHECK(r.errors.front().message == "user \"dbuser\" does not exist");
    CHECK(r.errors.front().loc.line == 39);
    CHECK(r.describe_errors("test.yaml").starts_with("test.yaml:39:13:"));
    CHECK(gw.nft.applies() == 0);
    CHECK(gw.net.requests() == 0);
}

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

TEST_CASE("an uplink address change updates the hairpin set in place") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, Mode::apply).ok());
    CHECK(hairpin_elements(gw.nft.tables()) == "192.0.2.2/32 ");

    auto& addrs = gw.net.kernel().addresses;
    std::erase_if(addrs, [](const netstate::Address& a) { return a.ifname == "wan0" && a.prefix.str() == "192.0.2.2/24"; });
    addrs.push_back({"wan0", *net::Prefix::parse("192.0.2.77/24"), {}});
    auto r = gw.reconciler.run(cfg, Mode::apply);
    CHECK(r.ok());
    CHECK(r.nft_change == nft::ChangeKind::elements);
    CHECK(gw.nft.element_updates() == 1);
    CHECK(gw.nft.applies() == 1);  // no table rebuild
    CHECK(hairpin_elements(gw.nft.tables()) == "192.0.2.77/32 ");
}

TEST_CASE("tables flushed or deleted by hand are restored") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, Mode::apply).ok());
    auto wanted = gw.nft.tables();

    for (auto& c : gw.nft.tables().tables.at(0).chains) c.rules.clear();  // nft flush table
    auto r = gw.reconciler.run(cfg, Mode::apply);
    CHECK(r.changed);
    CHECK(gw.nft.tables() == wanted);

    gw.nft.tables().tables.clear();  // nft delete table
    CHECK(gw.reconciler.run(cfg, Mode::apply).changed);
    CHECK(gw.nft.tables() == wanted);
}

TEST_CASE("a link deleted and re-created gets its address back") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, Mode::apply).ok());
    gw.net.remove_link("lan0");
    auto gone = gw.reconciler.run(cfg, Mode::apply);
    CHECK(gone.transient());  // the device is missing: retried later
    CHECK_FALSE(has_address(gw.net, "lan0", "172.16.2.1/16"));

    gw.net.add_device("lan0");
    auto back = gw.reconciler.run(cfg, Mode::apply);
    CHECK(back.ok());
    CHECK(has_address(gw.net, "lan0", "172.16.2.1/16"));
    CHECK(gw.net.kernel().find_link("lan0")->up);
}
