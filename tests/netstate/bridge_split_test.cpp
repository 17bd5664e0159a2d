// The IPv6 bridge split from config text to both halves of the desired
// state, per kernel path: which path the features choose, the refusal and
// where it points, the bridge and its ports in the netlink state, and which
// table holds the IPv6 filter. Pure: no kernel.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/config/parse.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/diff.hpp"
#include "rules/nft/compile.hpp"
#include "rules/split_path.hpp"
#include "tests/netstate/parse_text.hpp"

using namespace gw;
using rules::SplitPath;

namespace {

const char* kSplit = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [192.168.10.1/24]
ipv6:
  bridge-split:
    bridge: br6
    inside: lan0
    outside: wan0
)";

using test::parse;

rules::KernelFeatures kernel(bool broute, bool bridge_ct, bool br_nf) {
    return {broute, bridge_ct, br_nf};
}

rules::Facts facts(rules::KernelFeatures k) {
    rules::Facts f;
    f.kernel = k;
    return f;
}

const netstate::Sysctl* sysctl(const netstate::NetState& s, std::string_view path) {
    auto it = std::find_if(s.sysctls.begin(), s.sysctls.end(), [&](const auto& x) { return x.path == path; });
    return it == s.sysctls.end() ? nullptr : &*it;
}

const nft::Table* table(const nft::Ruleset& rs, nft::TableFamily family) {
    for (const auto& t : rs.tables)
        if (t.family == family) return &t;
    return nullptr;
}

const nft::Chain* chain(const nft::Table& t, std::string_view name) {
    for (const auto& c : t.chains)
        if (c.name == name) return &c;
    return nullptr;
}

std::size_t count_comment(const nft::Chain& c, std::string_view comment) {
    return static_cast<std::size_t>(
        std::count_if(c.rules.begin(), c.rules.end(), [&](const nft::Rule& r) { return r.comment == comment; }));
}

}  // namespace

TEST_CASE("the kernel features choose the split path") {
    auto cfg = parse(kSplit);
    CHECK(rules::choose_split_path(cfg, kernel(true, true, false)) == SplitPath::bridge_conntrack);
    CHECK(rules::choose_split_path(cfg, kernel(true, true, true)) == SplitPath::bridge_conntrack);
    CHECK(rules::choose_split_path(cfg, kernel(true, false, true)) == SplitPath::br_netfilter);
    CHECK(rules::choose_split_path(cfg, kernel(false, false, true)) == SplitPath::unsupported);
    CHECK(rules::choose_split_path(cfg, kernel(true, false, false)) == SplitPath::unsupported);
    auto fallback = parse(std::string(kSplit) + "    fallback: l3-on-bridge\n");
    CHECK(rules::choose_split_path(fallback, kernel(false, false, true)) == SplitPath::l3_on_bridge);
    CHECK(rules::choose_split_path(fallback, kernel(false, true, false)) == SplitPath::unsupported);
    // The fallback is only for kernels without broute.
    CHECK(rules::choose_split_path(fallback, kernel(true, false, true)) == SplitPath::br_netfilter);
    CHECK(rules::choose_split_path(parse("version: 1\n"), kernel(false, false, false)) == SplitPath::none);
}

TEST_CASE("no broute and no fallback: refused where the config says so") {
    auto cfg = parse(kSplit);
    auto refusal = rules::split_refusal(cfg, kernel(false, false, true));
    REQUIRE(refusal);
    CHECK(refusal->message.find("no meta broute") != std::string::npos);
    CHECK(refusal->message.find("fallback: l3-on-bridge") != std::string::npos);
    CHECK(refusal->loc.line == 8);  // the bridge-split section
    auto explicit_refuse = parse(std::string(kSplit) + "    fallback: refuse\n");
    refusal = rules::split_refusal(explicit_refuse, kernel(false, false, true));
    REQUIRE(refusal);
    CHECK(refusal->loc.line == 11);  // the fallback line itself
    CHECK_FALSE(rules::split_refusal(cfg, kernel(true, true, false)));
    auto no_filter = rules::split_refusal(cfg, kernel(true, false, false));
    REQUIRE(no_filter);
    CHECK(no_filter->message.find("unfiltered") != std::string::npos);
}

TEST_CASE("netlink: the bridge first, the ports enslaved, sysctls per path") {
    auto cfg = parse(kSplit);
    auto s = netstate::compile_netstate(cfg, facts(kernel(true, true, true)));
    REQUIRE(s.links.size() == 3);
    CHECK(s.links[0].name == "br6");
    CHECK(s.links[0].kind == "bridge");
    const auto* lan = s.find_link("lan0");
    const auto* wan = s.find_link("wan0");
    REQUIRE((lan && wan));
    CHECK(lan->master == std::optional<std::string>("br6"));
    CHECK(lan->manage_addresses);  // still the `lan` interface, addresses and all
    CHECK(wan->master == std::optional<std::string>("br6"));
    REQUIRE(sysctl(s, "net/bridge/bridge-nf-call-ip6tables"));
    CHECK(sysctl(s, "net/bridge/bridge-nf-call-ip6tables")->value == "0");
    CHECK(sysctl(s, "net/ipv6/conf/br6/accept_ra")->value == "0");
    CHECK(sysctl(s, "net/ipv6/conf/br6/autoconf")->value == "0");

    auto inet = netstate::compile_netstate(cfg, facts(kernel(true, false, true)));
    CHECK(sysctl(inet, "net/bridge/bridge-nf-call-ip6tables")->value == "1");
    // Without br_netfilter the switch does not exist and nothing needs it.
    auto bare = netstate::compile_netstate(cfg, facts(kernel(true, true, false)));
    CHECK_FALSE(sysctl(bare, "net/bridge/bridge-nf-call-ip6tables"));
    auto refused = netstate::compile_netstate(cfg, facts(kernel(false, false, true)));
    CHECK_FALSE(refused.find_link("br6"));
}

TEST_CASE("netlink: an interface on the bridge itself (fallback) becomes the bridge link") {
    auto cfg = parse(R"(version: 1
interfaces:
  lan:
    device: br6
    addresses: [192.168.10.1/24]
ipv6:
  bridge-split:
    bridge: br6
    inside: [lan0, lan1]
    outside: wan0
    fallback: l3-on-bridge
)");
    auto s = netstate::compile_netstate(cfg, facts(kernel(false, false, true)));
    REQUIRE(s.links.size() == 4);
    CHECK(s.links[0].name == "br6");
    CHECK(s.links[0].kind == "bridge");
    CHECK(s.links[0].manage_addresses);
    CHECK(std::count_if(s.links.begin(), s.links.end(), [](const auto& l) { return l.name == "br6"; }) == 1);
}

TEST_CASE("nft: the filter sits in the bridge table or the inet table by path") {
    auto cfg = parse(kSplit);
    auto bridge_ct = rules::compile_ruleset(cfg, facts(kernel(true, true, false)));
    const auto* b = table(bridge_ct, nft::TableFamily::bridge);
    REQUIRE(b);
    CHECK(chain(*b, "incoming"));
    REQUIRE(chain(*b, "bridge_split"));
    CHECK(count_comment(*chain(*b, "bridge_split"), "gw:established") == 1);
    CHECK(count_comment(*chain(*b, "prerouting"), "gw:broute") == 2);
    CHECK(count_comment(*chain(*table(bridge_ct, nft::TableFamily::inet), "forward"), "gw:split") == 0);

    auto inet = rules::compile_ruleset(cfg, facts(kernel(true, false, true)));
    const auto& forward = *chain(*table(inet, nft::TableFamily::inet), "forward");
    REQUIRE(forward.rules.size() > 3);
    CHECK(forward.rules[1].comment == "gw:invalid");
    CHECK(forward.rules[2].comment == "gw:split");  // before any rule of the IPv4 firewall
    CHECK(chain(*table(inet, nft::TableFamily::inet), "incoming"));
    CHECK_FALSE(chain(*table(inet, nft::TableFamily::bridge), "incoming"));
    CHECK(count_comment(*chain(*table(inet, nft::TableFamily::bridge), "prerouting"), "gw:broute") == 2);

    auto refused = rules::compile_ruleset(cfg, facts(kernel(false, false, true)));
    CHECK_FALSE(table(refused, nft::TableFamily::bridge));
}

TEST_CASE("nft: the fallback marks but never broutes, and drops non-IPv6 across the split") {
    auto cfg = parse(std::string(kSplit) + "    fallback: l3-on-bridge\n");
    auto rs = rules::compile_ruleset(cfg, facts(kernel(false, false, true)));
    const auto* b = table(rs, nft::TableFamily::bridge);
    REQUIRE(b);
    CHECK(count_comment(*chain(*b, "prerouting"), "gw:broute") == 0);
    CHECK(count_comment(*chain(*b, "prerouting"), "gw:mark-inside") == 1);
    CHECK(count_comment(*chain(*b, "forward"), "gw:not-ipv6") == 2);
    CHECK(count_comment(*chain(*table(rs, nft::TableFamily::inet), "forward"), "gw:bridged-ipv4") == 1);
}

TEST_CASE("netlink: the bridge is gatewayd's own, and goes when the split goes") {
    auto with = netstate::compile_netstate(parse(kSplit), facts(kernel(true, true, false)));
    REQUIRE(with.find_link("br6"));
    CHECK(with.find_link("br6")->owned);
    CHECK_FALSE(with.find_link("lan0")->owned);  // an existing device: never removed

    // The kernel as the split left it; then a config without the split.
    netstate::NetState kernel_state = with;
    auto without = netstate::compile_netstate(parse(R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [192.168.10.1/24]
)"), facts(kernel(true, true, false)));
    auto diff = netstate::diff_netstate(without, kernel_state);
    auto removes = [&](std::string_view name) {
        return std::any_of(diff.ops.begin(), diff.ops.end(), [&](const netstate::NetOp& op) {
            const auto* l = std::get_if<netstate::Link>(&op.object);
            return op.kind == netstate::OpKind::remove && l && l->name == name;
        });
    };
    CHECK(removes("br6"));
    CHECK_FALSE(removes("lan0"));
    CHECK_FALSE(removes("wan0"));

    // A bridge of the same name that someone else made is not ours to delete.
    kernel_state.links.front().owned = false;
    diff = netstate::diff_netstate(without, kernel_state);
    CHECK_FALSE(removes("br6"));
}

TEST_CASE("nft: on the fallback the outside port brings only IPv6 and PPPoE to the host") {
    auto cfg = parse(std::string(kSplit) + "    fallback: l3-on-bridge\n");
    auto rs = rules::compile_ruleset(cfg, facts(kernel(false, false, true)));
    const auto* input = chain(*table(rs, nft::TableFamily::bridge), "input");
    REQUIRE(input);
    CHECK(count_comment(*input, "gw:outside-to-host") == 4);  // ip6, PPPoE discovery and session, drop
    // An IPv4 router on the bridge must reach the host: no such limit then.
    auto next_hop = parse(std::string(kSplit) + R"(    fallback: l3-on-bridge
uplinks:
  isp:
    kind: next-hop
    device: br6
    gateway: 192.0.2.1
)");
    auto with_router = rules::compile_ruleset(next_hop, facts(kernel(false, false, true)));
    CHECK_FALSE(chain(*table(with_router, nft::TableFamily::bridge), "input"));
    // With broute the host sees the port itself: nothing to limit.
    auto broute = rules::compile_ruleset(cfg, facts(kernel(true, false, true)));
    CHECK_FALSE(chain(*table(broute, nft::TableFamily::bridge), "input"));
}
