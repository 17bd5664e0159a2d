// Unit tests of the routing part of compile_ruleset(): connection-mark
// chains only when replies must follow the ingress uplink, one mark rule
// per uplink on its live interface name, the restore in prerouting and in
// a route-type output chain, and where the rules point back in the config.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/marks.hpp"
#include "rules/nft/compile.hpp"
#include "rules/nft/render.hpp"
#include "tests/nft/builders.hpp"

using namespace gw;
using gw::test::at;
using gw::test::name;

namespace {

// home_config() plus a next-hop uplink "v6plus" on v6p0 in the wan zone.
config::Config two_uplinks() {
    auto c = test::home_config();
    config::Uplink v6;
    v6.name = name("v6plus", 20);
    v6.kind = {config::UplinkKind::next_hop, at(21)};
    v6.device = name("v6p0", 22);
    v6.gateway = config::Located<net::Address>{*net::Address::parse("192.168.1.1"), at(23)};
    v6.loc = at(20);
    c.uplinks.push_back(v6);
    c.zones[1].uplinks.push_back(name("v6plus", 24));
    return c;
}

const nft::Chain* find_chain(const nft::Ruleset& rs, std::string_view chain) {
    const auto& chains = rs.tables.front().chains;
    auto it = std::find_if(chains.begin(), chains.end(), [&](const nft::Chain& c) { return c.name == chain; });
    return it == chains.end() ? nullptr : &*it;
}

std::vector<std::string> texts(const nft::Chain& c) {
    std::vector<std::string> out;
    for (const auto& r : c.rules) out.push_back(nft::render_rule(r));
    return out;
}

}  // namespace

TEST_CASE("two uplinks: a mark per uplink on arrival, restored in prerouting and output") {
    rules::Facts facts;
    facts.uplink_ifnames["isp"] = "ppp7";  // the live name wins over the uplink's
    auto rs = rules::compile_ruleset(two_uplinks(), facts);
    const auto* pre = find_chain(rs, "mangle_prerouting");
    REQUIRE(pre);
    REQUIRE(pre->base);
    CHECK(pre->base->type == nft::ChainType::filter);
    CHECK(pre->base->hook == nft::Hook::prerouting);
    CHECK(pre->base->priority == -150);
    CHECK(texts(*pre) == std::vector<std::string>{
              "iifname \"ppp7\" meta nfproto ipv4 ct state new counter ct mark set 0x00010000 comment \"gw:uplink-mark isp\"",
              "iifname \"v6p0\" meta nfproto ipv4 ct state new counter ct mark set 0x00020000 comment \"gw:uplink-mark v6plus\"",
              "meta nfproto ipv4 ct mark & 0x00ff0000 != 0x00000000 counter meta mark set ct mark comment \"gw:restore-mark\"",
          });
    CHECK(pre->rules[0].origin.line == 5);   // uplink isp
    CHECK(pre->rules[1].origin.line == 20);  // uplink v6plus
    const auto* out = find_chain(rs, "mangle_output");
    REQUIRE(out);
    REQUIRE(out->base);
    CHECK(out->base->type == nft::ChainType::route);
    CHECK(out->base->hook == nft::Hook::output);
    CHECK(texts(*out) == std::vector<std::string>{
              "meta nfproto ipv4 ct mark & 0x00ff0000 != 0x00000000 counter meta mark set ct mark comment \"gw:restore-mark\"",
          });
}

TEST_CASE("the marks nft sets are the ones the fwmark rules look for") {
    auto cfg = two_uplinks();
    auto rs = rules::compile_ruleset(cfg, {});
    auto marks = rules::uplink_marks(cfg);
    const auto* pre = find_chain(rs, "mangle_prerouting");
    REQUIRE(pre);
    for (const auto& u : cfg.uplinks) {
        auto want = "ct mark set " + nft::render_value(nft::Key::ct_mark, std::uint64_t{marks.at(u.name.value)});
        auto all = texts(*pre);
        CHECK(std::any_of(all.begin(), all.end(), [&](const std::string& t) {
            return t.find(want) != std::string::npos && t.find(u.name.value) != std::string::npos;
        }));
    }
}

TEST_CASE("no mark chains with one uplink or with reply-via-ingress off") {
    CHECK_FALSE(find_chain(rules::compile_ruleset(test::home_config(), {}), "mangle_prerouting"));
    auto off = two_uplinks();
    off.routing.reply_via_ingress = {false, at(30)};
    auto rs = rules::compile_ruleset(off, {});
    CHECK_FALSE(find_chain(rs, "mangle_prerouting"));
    CHECK_FALSE(find_chain(rs, "mangle_output"));
}

TEST_CASE("a mask test on a plain number renders as a bit test nft reads back the same way") {
    nft::Rule r;
    r.stmts = {nft::AnyBits{nft::Key::ct_mark, 0xff0000}};
    CHECK(nft::render_rule(r) == "ct mark & 0x00ff0000 != 0x00000000");
    r.stmts = {nft::AnyBits{nft::Key::ct_state, 8}};
    CHECK(nft::render_rule(r) == "ct state new");  // flags keep their list form
}
