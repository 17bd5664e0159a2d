// Apply -> observe round trips against the running kernel: what the encoder
// writes, the decoder reads back as the same model, counters included.
#include <doctest/doctest.h>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/render.hpp"
#include "tests/kernel/backend_helpers.hpp"
#include "tests/kernel/nft_fixture.hpp"

namespace gw::kernel::test {

namespace {

std::size_t rule_count(const nft::Ruleset& rs) {
    std::size_t n = 0;
    for (const auto& t : rs.tables)
        for (const auto& c : t.chains) n += c.rules.size();
    return n;
}

}  // namespace

TEST_CASE("every key and statement survives apply then observe") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    auto got = observe_ok(*nft);
    check_same(got, want);
    REQUIRE(got.tables.size() == 2);
    CHECK(got.tables[0].sets.size() == want.tables[0].sets.size());
    CHECK(rule_count(got) == rule_count(want));
}

TEST_CASE("the decoder reads the kernel as as_kernel_holds() predicts") {
    auto nft = backend();
    auto want = full_ruleset();
    auto canon = as_kernel_holds(want);
    REQUIRE(canon.has_value());
    check_same(*canon, want);
    apply_ok(*nft, want);
    check_same(observe_ok(*nft), *canon);
}

TEST_CASE("rules written without their dependencies get nft's, spelled out") {
    auto nft = backend();
    nft::Ruleset rs = small_ruleset();
    auto& rules = rs.tables[0].chains[0].rules;
    // `ip saddr` alone: nft inserts `meta nfproto ipv4`; `reject with tcp
    // reset` after `th dport`: nft prepends `meta l4proto tcp`.
    rules = {rule({cmp(nft::Key::ip_saddr, pfx("10.1.2.3")), verdict(nft::VerdictKind::accept)}),
             rule({cmp(nft::Key::th_dport, std::uint64_t{23}), nft::Reject{nft::RejectKind::tcp_reset}})};
    apply_ok(*nft, rs);
    auto got = observe_ok(*nft);
    auto canon = as_kernel_holds(rs);
    REQUIRE(canon.has_value());
    check_same(got, *canon);
    const auto& first = got.tables[0].chains[0].rules[0].stmts;
    REQUIRE(first.size() == 3);
    CHECK(first[0] == cmp(nft::Key::meta_nfproto, std::uint64_t{2}));
    const auto& second = got.tables[0].chains[0].rules[1].stmts;
    REQUIRE(second.size() == 3);
    CHECK(second[0] == cmp(nft::Key::meta_l4proto, std::uint64_t{6}));
}

TEST_CASE("re-applying the same ruleset is idempotent") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    auto first = observe_ok(*nft);
    apply_ok(*nft, want);
    apply_ok(*nft, first);  // what observe returned is itself applicable
    check_same(observe_ok(*nft), want);
}

TEST_CASE("counters are read back and carried over by a rebuild") {
    auto nft = backend();
    auto rs = small_ruleset();
    auto& stmt = rs.tables[0].chains[0].rules[0].stmts[2];
    REQUIRE(std::holds_alternative<nft::Counter>(stmt));
    std::get<nft::Counter>(stmt) = nft::Counter{42, 4200};
    apply_ok(*nft, rs);
    auto got = observe_ok(*nft);
    const auto& c = std::get<nft::Counter>(got.tables[0].chains[0].rules[0].stmts[2]);
    CHECK(c.packets == 42);
    CHECK(c.bytes == 4200);
}

TEST_CASE("tables gatewayd no longer wants are deleted") {
    auto nft = backend();
    apply_ok(*nft, full_ruleset());
    apply_ok(*nft, small_ruleset());
    auto got = observe_ok(*nft);
    REQUIRE(got.tables.size() == 1);
    CHECK(got.tables[0].family == nft::TableFamily::inet);
    check_same(got, small_ruleset());
    apply_ok(*nft, nft::Ruleset{});
    CHECK(observe_ok(*nft).tables.empty());
}

}  // namespace gw::kernel::test

namespace gw::kernel::test {

TEST_CASE("a large ruleset spans many batch pages and dump messages") {
    auto nft = backend();
    auto rs = small_ruleset();
    auto& table = rs.tables[0];
    nft::Set hosts;
    hosts.name = "hosts";
    hosts.key = {nft::Key::ip_saddr};
    hosts.counter = true;
    for (std::uint32_t i = 0; i < 20000; ++i) {
        net::Address a;
        a.bytes = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
        hosts.elements.push_back(elem({net::Prefix{a, 32}}, {}, i % 7 == 0 ? "host " + std::to_string(i) : ""));
    }
    nft::Set nets;
    nets.name = "nets";
    nets.key = {nft::Key::ip_daddr};
    nets.interval = true;
    for (std::uint32_t i = 0; i < 5000; ++i) {
        net::Address a;
        a.bytes = {172, static_cast<std::uint8_t>(16 + (i >> 8)), static_cast<std::uint8_t>(i), 0};
        nets.elements.push_back(elem({net::Prefix{a, 25}}));
    }
    table.sets.push_back(hosts);
    table.sets.push_back(nets);
    auto& rules = table.chains[0].rules;
    for (std::uint64_t port = 1; port <= 3000; ++port)
        rules.push_back(rule({cmp(nft::Key::meta_l4proto, std::uint64_t{6}), cmp(nft::Key::th_dport, port),
                              nft::Counter{}, verdict(nft::VerdictKind::accept)},
                             "port " + std::to_string(port), static_cast<int>(port)));
    rs = nft::with_sorted_elements(rs);
    apply_ok(*nft, rs);
    auto got = observe_ok(*nft);
    REQUIRE(got.tables.size() == 1);
    CHECK(got.tables[0].sets[1].elements.size() == 20000);
    CHECK(got.tables[0].sets[2].elements.size() == 5000);
    CHECK(got.tables[0].chains[0].rules.size() == 3002);
    CHECK(got == rs);
}

}  // namespace gw::kernel::test
