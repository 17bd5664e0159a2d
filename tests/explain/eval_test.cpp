// The nft evaluator and the routing model on hand-built values: the
// kernel's semantics that the examples do not all reach (verdict maps,
// goto/return, negated and interval lookups, suppress_prefixlength).
#include <doctest/doctest.h>

#include "rules/explain/nft_eval.hpp"
#include "rules/explain/route.hpp"
#include "rules/nft/keys.hpp"

namespace {

using namespace gw;
using nft::Key;

net::Prefix pfx(const char* s) {
    return *net::Prefix::parse(s);
}

explain::Packet tcp_to(const char* daddr, std::uint16_t port) {
    explain::Packet p;
    p.saddr = *net::Address::parse("10.0.0.5");
    p.daddr = *net::Address::parse(daddr);
    p.dport = port;
    p.iif = "lan0";
    return p;
}

nft::Rule rule(std::vector<nft::Stmt> stmts, std::string comment = "") {
    return nft::Rule{std::move(stmts), std::move(comment), {}};
}

explain::RouteView no_routes() {
    return {[](const net::Address&) { return false; },
            [](const std::string&, const net::Address&) { return std::optional<net::Address>(); }};
}

nft::Table table_with(std::vector<nft::Chain> chains, std::vector<nft::Set> sets = {}) {
    return nft::Table{nft::TableFamily::inet, "t", std::move(sets), std::move(chains)};
}

nft::Chain base(std::vector<nft::Rule> rules, nft::ChainPolicy policy = nft::ChainPolicy::drop) {
    return nft::Chain{"forward", nft::BaseChain{nft::ChainType::filter, nft::Hook::forward, 0, policy},
                      std::move(rules), {}};
}

}  // namespace

TEST_CASE("a verdict map decides by its element; no element falls through to the policy") {
    nft::Set vmap{"ports", {Key::th_dport}, {}, true, true, false, {}, "", {}};
    nft::Element el;
    el.key = {nft::IntRange{8000, 8100}};
    el.verdict = nft::Verdict{nft::VerdictKind::accept, ""};
    el.comment = "web";
    vmap.elements.push_back(el);
    auto t = table_with({base({rule({nft::Lookup{{Key::th_dport}, "ports", {}, false}})})}, {vmap});
    auto in = tcp_to("10.0.1.1", 8080);
    auto run = explain::run_base_chain(t, t.chains[0], in, no_routes());
    CHECK(run.verdict == explain::ChainVerdict::accept);
    REQUIRE(run.decided.element);
    CHECK(run.decided.element->comment == "web");
    auto out = tcp_to("10.0.1.1", 9000);
    CHECK(explain::run_base_chain(t, t.chains[0], out, no_routes()).verdict == explain::ChainVerdict::policy);
}

TEST_CASE("goto does not come back; return ends the regular chain; a jump comes back") {
    nft::Chain sub{"sub", std::nullopt, {rule({nft::Cmp{Key::th_dport, std::uint64_t{22}}, nft::Verdict{nft::VerdictKind::return_, ""}}),
                                         rule({nft::Verdict{nft::VerdictKind::drop, ""}}, "sub-drop")}, {}};
    auto make = [&](nft::VerdictKind k) {
        return table_with({base({rule({nft::Verdict{k, "sub"}}), rule({nft::Verdict{nft::VerdictKind::accept, ""}}, "after")}), sub});
    };
    auto jump = make(nft::VerdictKind::jump);
    auto p22 = tcp_to("10.0.1.1", 22);
    auto r = explain::run_base_chain(jump, jump.chains[0], p22, no_routes());
    CHECK(r.verdict == explain::ChainVerdict::accept);
    CHECK(r.decided.rule->comment == "after");
    auto go = make(nft::VerdictKind::goto_);
    auto p22b = tcp_to("10.0.1.1", 22);
    CHECK(explain::run_base_chain(go, go.chains[0], p22b, no_routes()).verdict == explain::ChainVerdict::policy);
    auto p80 = tcp_to("10.0.1.1", 80);
    auto d = explain::run_base_chain(jump, jump.chains[0], p80, no_routes());
    CHECK(d.verdict == explain::ChainVerdict::drop);
    CHECK(d.decided.rule->comment == "sub-drop");
}

TEST_CASE("negated lookups and prefixes; a key the packet lacks breaks the rule either way") {
    auto t = table_with({base({rule({nft::Lookup{{Key::ip_daddr}, "", {nft::Element{{pfx("10.0.1.0/24")}, {}, {}, {}, "", {}}}, true},
                                     nft::Verdict{nft::VerdictKind::accept, ""}}, "not-lan1"),
                               rule({nft::Cmp{Key::icmp_type, std::uint64_t{8}, true}, nft::Verdict{nft::VerdictKind::accept, ""}}, "never")})});
    auto inside = tcp_to("10.0.1.9", 80);
    CHECK(explain::run_base_chain(t, t.chains[0], inside, no_routes()).verdict == explain::ChainVerdict::policy);
    auto outside = tcp_to("10.0.2.9", 80);
    CHECK(explain::run_base_chain(t, t.chains[0], outside, no_routes()).decided.rule->comment == "not-lan1");
}

TEST_CASE("routing: suppress_prefixlength 0 skips main's default; fwmark picks the uplink table") {
    netstate::NetState st;
    st.addresses.push_back({"lan0", pfx("172.16.2.1/16"), {}});
    netstate::Route def;
    def.destination = pfx("0.0.0.0/0");
    def.ifname = "v6p0";
    st.routes.push_back(def);
    def.table = 1001;
    def.ifname = "isp";
    st.routes.push_back(def);
    netstate::Rule suppress;
    suppress.priority = 10000;
    suppress.table = netstate::kTableMain;
    suppress.suppress_prefixlen = 0;
    netstate::Rule mark;
    mark.priority = 10101;
    mark.fwmark = 0x20000;
    mark.fwmask = 0xff0000;
    mark.table = 1001;
    st.rules = {suppress, mark};
    auto routing = explain::build_routing(st, {});
    auto to = *net::Address::parse("198.51.100.1");
    auto plain = explain::route_lookup(routing, {to, std::nullopt, 0, "lan0"});
    CHECK(plain.oif == "v6p0");
    CHECK(plain.rule->priority == 32766);
    auto marked = explain::route_lookup(routing, {to, std::nullopt, 0x20000, "lan0"});
    CHECK(marked.oif == "isp");
    auto lan = explain::route_lookup(routing, {*net::Address::parse("172.16.1.100"), std::nullopt, 0x20000, "isp"});
    CHECK(lan.oif == "lan0");  // the LAN route wins over the mark, as suppress_prefixlength intends
    CHECK(lan.rule->priority == 10000);
    CHECK(explain::route_lookup(routing, {*net::Address::parse("172.16.2.1"), std::nullopt, 0, ""}).kind ==
          explain::RouteKind::local);
}
