// Unit tests of compile_ruleset() on configs built in code: chain shape,
// zone sets, address families, reject splitting, port-forward maps (whose
// rule count must not grow with the number of forwards), hairpin from
// facts, and origins.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/nft/compile.hpp"
#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"
#include "rules/target_kernel.hpp"
#include "tests/nft/builders.hpp"

using namespace gw;
using gw::test::at;
using gw::test::name;

namespace {

const nft::Table& inet(const nft::Ruleset& rs) {
    REQUIRE(rs.tables.size() >= 1);
    return rs.tables.front();
}

const nft::Chain* find_chain(const nft::Ruleset& rs, std::string_view n) {
    for (const auto& c : inet(rs).chains)
        if (c.name == n) return &c;
    return nullptr;
}

const nft::Set* find_set(const nft::Ruleset& rs, std::string_view n) {
    for (const auto& s : inet(rs).sets)
        if (s.name == n) return &s;
    return nullptr;
}

std::vector<std::string> rule_texts(const nft::Chain& c) {
    std::vector<std::string> out;
    for (const auto& r : c.rules) out.push_back(nft::render_rule(r));
    return out;
}

std::vector<std::string> element_texts(const nft::Set& s) {
    nft::Set copy = s;
    std::vector<std::string> out;
    std::string text = nft::render_set(copy);
    auto open = text.find("elements = {\n");
    if (open == std::string::npos) return out;
    std::string body = text.substr(open + 13, text.rfind("\t\t}") - open - 13);
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto nl = body.find('\n', pos);
        auto line = body.substr(pos, nl - pos);
        line.erase(0, line.find_first_not_of('\t'));
        if (!line.empty() && line.back() == ',') line.pop_back();
        out.push_back(line);
        pos = nl + 1;
    }
    return out;
}

std::size_t count_comment(const nft::Chain& c, std::string_view comment) {
    return static_cast<std::size_t>(std::count_if(c.rules.begin(), c.rules.end(),
                                                  [&](const nft::Rule& r) { return r.comment == comment; }));
}

}  // namespace

TEST_CASE("an empty config gets the three filter chains with their policies and head rules") {
    config::Config c;
    auto rs = rules::compile_ruleset(c, {});
    REQUIRE(rs.tables.size() == 1);
    CHECK(inet(rs).family == nft::TableFamily::inet);
    CHECK(inet(rs).name == "gatewayd");
    std::vector<std::string> names;
    for (const auto& ch : inet(rs).chains) names.push_back(ch.name);
    CHECK(names == std::vector<std::string>{"input", "forward", "output"});
    const auto* input = find_chain(rs, "input");
    REQUIRE(input);
    CHECK(input->base->policy == nft::ChainPolicy::drop);
    CHECK(find_chain(rs, "output")->base->policy == nft::ChainPolicy::accept);
    auto texts = rule_texts(*input);
    CHECK(texts.at(0) == "ct state established,related counter accept comment \"gw:established\"");
    CHECK(texts.at(1) == "ct state invalid counter drop comment \"gw:invalid\"");
    CHECK(texts.at(2) == "iifname \"lo\" counter accept comment \"gw:loopback\"");
    CHECK(texts.back() ==
          "counter limit rate 5/minute burst 10 packets log prefix \"gw-input-drop: \" group 4747 comment \"gw:policy\"");
    // output's policy accepts: its last rule counts but does not log.
    CHECK(rule_texts(*find_chain(rs, "output")).back() == "counter comment \"gw:policy\"");
}

TEST_CASE("ICMP essentials are always accepted; echo-request follows firewall.icmp-echo") {
    config::Config c;
    auto input = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "input"));
    auto has = [&](const std::vector<std::string>& v, std::string_view needle) {
        return std::any_of(v.begin(), v.end(), [&](const std::string& s) { return s.find(needle) != std::string::npos; });
    };
    CHECK(has(input, "icmp type { destination-unreachable, time-exceeded, parameter-problem }"));
    CHECK(has(input, "nd-neighbor-solicit"));
    CHECK(has(input, "packet-too-big"));
    CHECK(has(input, "icmp type echo-request"));
    CHECK(has(input, "icmpv6 type echo-request"));
    auto forward = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "forward"));
    CHECK(has(forward, "packet-too-big"));
    CHECK_FALSE(has(forward, "nd-neighbor-solicit"));  // ND never crosses a router
    c.firewall.icmp_echo = {false, at(40)};
    input = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "input"));
    CHECK_FALSE(has(input, "echo-request"));
    CHECK(has(input, "destination-unreachable"));
}

TEST_CASE("firewall.fast-path: a flowtable on the links that exist, only with nf_flow_table") {
    auto c = test::home_config();
    c.firewall.fast_path = {true, at(7)};
    rules::Facts facts;
    auto rs = rules::compile_ruleset(c, facts);
    CHECK(rs.tables[0].flowtables.empty());  // no nf_flow_table: left out ...
    CHECK(rules::omissions(c, facts.kernel, "gw.yaml").size() == 1);  // ... and said so
    facts.kernel.flowtable = true;
    rs = rules::compile_ruleset(c, facts);
    REQUIRE(rs.tables[0].flowtables.size() == 1);
    const auto ft = rs.tables[0].flowtables[0];  // a copy: rs is compiled again below
    CHECK(ft.devices == rules::fastpath_devices(c, facts));
    CHECK(ft.origin.line == 7);
    auto forward = rule_texts(*find_chain(rs, "forward"));
    CHECK(forward.front() == "ct state established flow add @fastpath comment \"gw:fast-path\"");
    facts.links.emplace();  // no link exists yet: nothing to offload to
    rs = rules::compile_ruleset(c, facts);
    CHECK(rs.tables[0].flowtables.empty());
    CHECK(rule_texts(*find_chain(rs, "forward")).front().find("flow add") == std::string::npos);
    facts.links->insert(ft.devices.front());
    CHECK(rules::compile_ruleset(c, facts).tables[0].flowtables[0].devices ==
          std::vector<std::string>{ft.devices.front()});
}

TEST_CASE("zones become interface-name sets: device of an interface, uplink name for PPPoE, device for next-hop") {
    auto c = gw::test::home_config();
    config::Uplink v6;
    v6.name = name("v6plus", 20);
    v6.kind = {config::UplinkKind::next_hop, at(21)};
    v6.device = name("v6p0", 22);
    c.uplinks.push_back(v6);
    c.zones[1].uplinks.push_back(name("v6plus", 23));
    auto rs = rules::compile_ruleset(c, {});
    const auto* lan = find_set(rs, "zone_lan_if");
    const auto* wan = find_set(rs, "zone_wan_if");
    REQUIRE(lan);
    REQUIRE(wan);
    CHECK(lan->key == std::vector<nft::Key>{nft::Key::meta_iifname});
    CHECK(element_texts(*lan) == std::vector<std::string>{"\"lan0\""});
    CHECK(element_texts(*wan) == std::vector<std::string>{"\"isp\"", "\"v6p0\""});
    CHECK(lan->origin == at(10));
    CHECK(element_texts(*find_set(rs, "uplink_if")) == std::vector<std::string>{"\"isp\"", "\"v6p0\""});

    rules::Facts facts;
    facts.uplink_ifnames["isp"] = "ppp0";
    rs = rules::compile_ruleset(c, facts);
    CHECK(element_texts(*find_set(rs, "zone_wan_if")) == std::vector<std::string>{"\"ppp0\"", "\"v6p0\""});
}

TEST_CASE("firewall rules: zones by set, families implied by addresses, config order kept") {
    auto c = gw::test::home_config();
    auto dns = gw::test::rule("dns", config::Action::allow, 50);
    dns.from = {name("lan")};
    dns.proto = config::Proto::tcp_udp;
    dns.ports = {gw::test::ports(53, 53)};
    auto ssh = gw::test::rule("ssh", config::Action::allow, 51);
    ssh.source.prefixes = {gw::test::prefix("192.168.7.0/24"), gw::test::prefix("2001:db8::/32"),
                           gw::test::prefix("192.168.7.9")};
    ssh.proto = config::Proto::tcp;
    ssh.ports = {gw::test::ports(22, 22), gw::test::ports(2200, 2299)};
    c.firewall.input.rules = {dns, ssh};
    auto rs = rules::compile_ruleset(c, {});
    auto texts = rule_texts(*find_chain(rs, "input"));
    auto first = std::find(texts.begin(), texts.end(),
                           "iifname @zone_lan_if meta l4proto { tcp, udp } th dport 53 counter accept comment \"dns\"");
    REQUIRE(first != texts.end());
    // 192.168.7.9 lies inside 192.168.7.0/24: merged away. One rule per family.
    CHECK(*(first + 1) ==
          "meta nfproto ipv4 ip saddr 192.168.7.0/24 meta l4proto tcp th dport { 22, 2200-2299 } counter accept comment \"ssh\"");
    CHECK(*(first + 2) ==
          "meta nfproto ipv6 ip6 saddr 2001:db8::/32 meta l4proto tcp th dport { 22, 2200-2299 } counter accept comment \"ssh\"");
    for (const auto& r : find_chain(rs, "input")->rules)
        if (r.comment == "ssh") CHECK(r.origin == at(51));
}

TEST_CASE("firewall rules: an uplink in from/to is its interface alone; a zone wins a shared name") {
    auto c = gw::test::home_config();
    auto ssh = gw::test::rule("ssh-isp", config::Action::allow, 50);
    ssh.from = {name("isp")};
    ssh.proto = config::Proto::tcp;
    ssh.ports = {gw::test::ports(22, 22)};
    c.firewall.input.rules = {ssh};
    auto out = gw::test::rule("out", config::Action::allow, 51);
    out.from = {name("lan")};
    out.to = {name("isp"), name("wan")};
    c.firewall.forward.rules = {out};
    auto rs = rules::compile_ruleset(c, {});
    auto input = rule_texts(*find_chain(rs, "input"));
    CHECK(std::count(input.begin(), input.end(),
                     "iifname \"isp\" meta l4proto tcp th dport 22 counter accept comment \"ssh-isp\"") == 1);
    auto fwd = rule_texts(*find_chain(rs, "forward"));
    CHECK(std::count(fwd.begin(), fwd.end(), "iifname @zone_lan_if oifname \"isp\" counter accept comment \"out\"") == 1);
    CHECK(std::count(fwd.begin(), fwd.end(), "iifname @zone_lan_if oifname @zone_wan_if counter accept comment \"out\"") == 1);
}

TEST_CASE("forward: traffic that stays on one zone interface is accepted last, before the drop policy") {
    auto c = gw::test::home_config();
    // A second zone naming the same interface adds no second rule.
    auto guest = c.zones.front();
    guest.name = name("guest");
    c.zones.push_back(guest);
    auto rs = rules::compile_ruleset(c, {});
    auto fwd = rule_texts(*find_chain(rs, "forward"));
    REQUIRE(fwd.size() >= 2);
    CHECK(fwd.at(fwd.size() - 2) == "iifname \"lan0\" oifname \"lan0\" counter accept comment \"gw:same-link\"");
    CHECK(count_comment(*find_chain(rs, "forward"), "gw:same-link") == 1);
    // Uplinks are no zone interfaces: nothing is accepted back out of one.
    CHECK(std::none_of(fwd.begin(), fwd.end(), [](const std::string& r) {
        return r.find("gw:same-link") != std::string::npos && r.find("lan0") == std::string::npos;
    }));
    // With an accepting forward policy the rule has nothing to do.
    c.firewall.forward.policy = {config::Policy::accept};
    auto open = rules::compile_ruleset(c, {});
    CHECK(count_comment(*find_chain(open, "forward"), "gw:same-link") == 0);
}

TEST_CASE("reject answers tcp with a reset and the rest with icmpx admin-prohibited") {
    auto c = gw::test::home_config();
    auto any = gw::test::rule("no-any", config::Action::reject, 60);
    auto both = gw::test::rule("no-both", config::Action::reject, 61);
    both.proto = config::Proto::tcp_udp;
    both.ports = {gw::test::ports(445, 445)};
    auto udp = gw::test::rule("no-udp", config::Action::reject, 62);
    udp.proto = config::Proto::udp;
    c.firewall.output.rules = {any, both, udp};
    auto texts = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "output"));
    std::vector<std::string> rejects;
    for (const auto& t : texts)
        if (t.find("reject") != std::string::npos) rejects.push_back(t);
    CHECK(rejects == std::vector<std::string>{
                         "meta l4proto tcp counter reject with tcp reset comment \"no-any\"",
                         "counter reject with icmpx admin-prohibited comment \"no-any\"",
                         "meta l4proto tcp th dport 445 counter reject with tcp reset comment \"no-both\"",
                         "meta l4proto udp th dport 445 counter reject with icmpx admin-prohibited comment \"no-both\"",
                         "meta l4proto udp counter reject with icmpx admin-prohibited comment \"no-udp\""});
}

TEST_CASE("named sets: user sets always declared, built-ins only when used, one set per family") {
    auto c = gw::test::home_config();
    c.sets = {gw::test::address_set("office", {"198.51.100.0/24", "2001:db8:1::/48"}, false, 70),
              gw::test::address_set("rfc1918", {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}, true, 0),
              gw::test::address_set("ula", {"fc00::/7"}, true, 0)};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(find_set(rs, "office_v4"));
    CHECK(find_set(rs, "office_v6"));
    CHECK_FALSE(find_set(rs, "rfc1918_v4"));

    auto r = gw::test::rule("private", config::Action::deny, 71);
    r.destination.sets = {name("rfc1918"), name("office")};
    c.firewall.forward.rules = {r};
    rs = rules::compile_ruleset(c, {});
    REQUIRE(find_set(rs, "rfc1918_v4"));
    CHECK_FALSE(find_set(rs, "rfc1918_v6"));
    CHECK(find_set(rs, "rfc1918_v4")->interval);
    auto texts = rule_texts(*find_chain(rs, "forward"));
    CHECK(count_comment(*find_chain(rs, "forward"), "private") == 3);  // rfc1918 v4, office v4, office v6
    CHECK(std::find(texts.begin(), texts.end(),
                    "meta nfproto ipv4 ip daddr @rfc1918_v4 counter drop comment \"private\"") != texts.end());

    // family ipv6 with only IPv4 destinations matches nothing: no rule at all.
    r.destination.sets = {name("rfc1918")};
    r.family = config::Family::ipv6;
    c.firewall.forward.rules = {r};
    CHECK(count_comment(*find_chain(rules::compile_ruleset(c, {}), "forward"), "private") == 0);
}

TEST_CASE("1,000 forwards cost the same number of rules as one") {
    auto c = gw::test::home_config();
    c.nat.forwards = {gw::test::forward("f0", config::Proto::tcp, {gw::test::ports(1000, 1000)}, "172.16.1.10", 80)};
    auto one = rules::compile_ruleset(c, {});
    for (int i = 1; i < 1000; ++i)
        c.nat.forwards.push_back(gw::test::forward("f" + std::to_string(i), config::Proto::tcp_udp,
                                                   {gw::test::ports(static_cast<std::uint16_t>(1000 + i),
                                                                    static_cast<std::uint16_t>(1000 + i))},
                                                   "172.16.1.10", 80 + i));
    auto many = rules::compile_ruleset(c, {});
    for (const auto* chain : {"prerouting", "forward", "postrouting", "input"}) {
        INFO(chain);
        REQUIRE(find_chain(one, chain));
        CHECK(find_chain(one, chain)->rules.size() == find_chain(many, chain)->rules.size());
    }
    CHECK(find_set(one, "fwd4")->elements.size() == 1);
    CHECK(find_set(many, "fwd4")->elements.size() == 1 + 999 * 2);
    CHECK(find_set(many, "fwd4_allow")->elements.size() == 1 + 999 * 2);
    CHECK(find_set(many, "fwd4")->counter);
}

TEST_CASE("forward maps: translation, ranges, both protocols, allowed sources") {
    auto c = gw::test::home_config();
    auto web = gw::test::forward("web", config::Proto::tcp, {gw::test::ports(8443, 8443, 91)}, "172.16.1.100", 90);
    web.to_port = config::Located<std::uint16_t>{443, at(90)};
    auto game = gw::test::forward("game", config::Proto::tcp_udp,
                                  {gw::test::ports(27015, 27015), gw::test::ports(27000, 27010)}, "172.16.1.101", 92);
    game.sources.prefixes = {gw::test::prefix("198.51.100.0/24"), gw::test::prefix("2001:db8::/32")};
    c.nat.forwards = {web, game};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(element_texts(*find_set(rs, "fwd4")) ==
          std::vector<std::string>{"tcp . 8443 comment \"web\" : 172.16.1.100 . 443",
                                   "tcp . 27015 comment \"game\" : 172.16.1.101 . 27015",
                                   "udp . 27015 comment \"game\" : 172.16.1.101 . 27015"});
    // Ranges: an interval map per protocol keyed by the port alone (6.12
    // refuses `meta l4proto` in a concatenated interval key).
    for (const auto* m : {"fwd4_range_tcp", "fwd4_range_udp"}) {
        INFO(m);
        REQUIRE(find_set(rs, m));
        CHECK(find_set(rs, m)->interval);
        CHECK(find_set(rs, m)->key == std::vector<nft::Key>{nft::Key::th_dport});
        CHECK(element_texts(*find_set(rs, m)) ==
              std::vector<std::string>{"27000-27010 comment \"game\" : 172.16.1.101"});
    }
    CHECK_FALSE(find_set(rs, "fwd4_range"));
    CHECK(element_texts(*find_set(rs, "fwd4_allow")) ==
          std::vector<std::string>{"172.16.1.100 . tcp . 443 comment \"web\""});
    for (const auto* s : {"fwd4_src_allow_tcp", "fwd4_src_allow_udp"}) {
        INFO(s);
        REQUIRE(find_set(rs, s));
        CHECK(element_texts(*find_set(rs, s)) ==
              std::vector<std::string>{"198.51.100.0/24 . 172.16.1.101 . 27000-27010 comment \"game\"",
                                       "198.51.100.0/24 . 172.16.1.101 . 27015 comment \"game\""});
    }
    CHECK(find_set(rs, "fwd4")->elements.front().origin == at(91));
    auto pre = rule_texts(*find_chain(rs, "prerouting"));
    std::erase_if(pre, [](const std::string& r) { return !r.ends_with("\"gw:dnat\""); });  // hairpin aside
    CHECK(pre == std::vector<std::string>{
                     "iifname @uplink_if meta nfproto ipv4 ip daddr @uplink_addr4 counter dnat ip to meta l4proto . th dport map @fwd4 comment \"gw:dnat\"",
                     "iifname @uplink_if meta nfproto ipv4 meta l4proto tcp ip daddr @uplink_addr4 counter dnat ip to th dport map @fwd4_range_tcp comment \"gw:dnat\"",
                     "iifname @uplink_if meta nfproto ipv4 meta l4proto udp ip daddr @uplink_addr4 counter dnat ip to th dport map @fwd4_range_udp comment \"gw:dnat\""});
    auto fwd = rule_texts(*find_chain(rs, "forward"));
    // The forwards' accept comes after the config's rules, just before the
    // same-link accept and the policy rule.
    CHECK(fwd.at(fwd.size() - 5) ==
          "meta nfproto ipv4 ct status dnat ip daddr . meta l4proto . th dport @fwd4_allow counter accept comment \"gw:forwards\"");
    CHECK(fwd.at(fwd.size() - 4) ==
          "meta nfproto ipv4 meta l4proto tcp ct status dnat ip saddr . ip daddr . th dport @fwd4_src_allow_tcp counter accept comment \"gw:forwards\"");
    CHECK(fwd.at(fwd.size() - 3) ==
          "meta nfproto ipv4 meta l4proto udp ct status dnat ip saddr . ip daddr . th dport @fwd4_src_allow_udp counter accept comment \"gw:forwards\"");
    CHECK(fwd.at(fwd.size() - 2) == "iifname \"lan0\" oifname \"lan0\" counter accept comment \"gw:same-link\"");
    CHECK_FALSE(find_set(rs, "fwd4_allow")->interval);
    CHECK(find_set(rs, "fwd4_src_allow_tcp")->interval);
}

TEST_CASE("hairpin: uplink addresses come from the facts; DNAT and masquerade per inside zone") {
    auto c = gw::test::home_config();
    c.nat.forwards = {gw::test::forward("web", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.100", 90)};
    rules::Facts facts;
    facts.uplink_addresses["isp"] = {*net::Address::parse("203.0.113.7"), *net::Address::parse("2001:db8::7")};
    auto rs = rules::compile_ruleset(c, facts);
    REQUIRE(find_set(rs, "uplink_addr4"));
    CHECK(element_texts(*find_set(rs, "uplink_addr4")) == std::vector<std::string>{"203.0.113.7 comment \"isp\""});
    auto pre = rule_texts(*find_chain(rs, "prerouting"));
    CHECK(std::count(pre.begin(), pre.end(),
                     "iifname @zone_lan_if meta nfproto ipv4 ip daddr @uplink_addr4 counter dnat ip to meta l4proto . th dport map @fwd4 comment \"gw:hairpin\"") == 1);
    // No ranges: no range map, and no rule looking one up.
    CHECK(pre.size() == 2);
    auto post = rule_texts(*find_chain(rs, "postrouting"));
    CHECK(std::count(post.begin(), post.end(),
                     "oifname @zone_lan_if meta nfproto ipv4 ct status dnat ip saddr @zone_lan_net4 counter masquerade comment \"gw:hairpin\"") == 1);

    // A new address is only a new element: chains are unchanged.
    rules::Facts moved;
    moved.uplink_addresses["isp"] = {*net::Address::parse("198.51.100.99")};
    auto rs2 = rules::compile_ruleset(c, moved);
    CHECK(inet(rs2).chains == inet(rs).chains);
    CHECK(element_texts(*find_set(rs2, "uplink_addr4")) == std::vector<std::string>{"198.51.100.99 comment \"isp\""});

    // Without hairpin the forwards still answer on the uplinks' addresses only.
    c.nat.hairpin = false;
    rs = rules::compile_ruleset(c, facts);
    CHECK(find_set(rs, "uplink_addr4"));
    CHECK(count_comment(*find_chain(rs, "prerouting"), "gw:hairpin") == 0);
    CHECK(count_comment(*find_chain(rs, "prerouting"), "gw:dnat") == 1);
}

TEST_CASE("forwards limited to an uplink get their own maps, looked up first") {
    auto c = gw::test::home_config();
    config::Uplink v6;
    v6.name = name("v6plus");
    v6.kind = config::UplinkKind::next_hop;
    v6.device = name("v6p0");
    c.uplinks.push_back(v6);
    auto https = gw::test::forward("https", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.100", 90);
    https.uplinks = {name("isp")};
    auto any = gw::test::forward("game", config::Proto::udp, {gw::test::ports(9999, 9999)}, "172.16.1.101", 91);
    auto both = gw::test::forward("both", config::Proto::tcp, {gw::test::ports(8080, 8080)}, "172.16.1.102", 92);
    both.uplinks = {name("v6plus"), name("isp")};
    c.nat.forwards = {any, https, both};
    auto rs = rules::compile_ruleset(c, {});
    REQUIRE(find_set(rs, "fwd4_via_isp"));
    REQUIRE(find_set(rs, "fwd4_via_isp.v6plus"));
    CHECK(find_set(rs, "fwd4_via_isp")->elements.size() == 1);
    REQUIRE(find_set(rs, "uplink_isp_addr4"));
    auto pre = rule_texts(*find_chain(rs, "prerouting"));
    CHECK(pre.at(0) == "iifname \"isp\" meta nfproto ipv4 ip daddr @uplink_isp_addr4 counter dnat ip to meta l4proto . th dport map @fwd4_via_isp comment \"gw:dnat\"");
    // A group of several uplinks: each uplink with its own addresses.
    auto group = std::find(pre.begin(), pre.end(),
                           "iifname \"isp\" meta nfproto ipv4 ip daddr @uplink_isp_addr4 counter dnat ip to meta l4proto . th dport map @fwd4_via_isp.v6plus comment \"gw:dnat\"");
    CHECK(std::find(pre.begin(), pre.end(),
                    "iifname \"v6p0\" meta nfproto ipv4 ip daddr @uplink_v6plus_addr4 counter dnat ip to meta l4proto . th dport map @fwd4_via_isp.v6plus comment \"gw:dnat\"") != pre.end());
    auto every = std::find(pre.begin(), pre.end(),
                           "iifname @uplink_if meta nfproto ipv4 ip daddr @uplink_addr4 counter dnat ip to meta l4proto . th dport map @fwd4 comment \"gw:dnat\"");
    CHECK(group != pre.end());
    CHECK(every > group);
}

TEST_CASE("a forward's destination: its own map, matched on those addresses, looked up first") {
    auto c = gw::test::home_config();
    auto web = gw::test::forward("web", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.100", 90);
    auto sub = gw::test::forward("sub", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.101", 91);
    sub.destinations.prefixes = {gw::test::prefix("198.51.100.8/29")};
    sub.uplinks = {name("isp")};
    c.nat.forwards = {web, sub};
    auto rs = rules::compile_ruleset(c, {});
    REQUIRE(find_set(rs, "fwd4_to_sub_via_isp"));
    auto pre = rule_texts(*find_chain(rs, "prerouting"));
    REQUIRE(pre.size() >= 2);
    CHECK(pre.at(0) == "iifname \"isp\" meta nfproto ipv4 ip daddr 198.51.100.8/29 counter dnat ip to meta l4proto . th dport map @fwd4_to_sub_via_isp comment \"gw:dnat\"");
    CHECK(std::find(pre.begin(), pre.end(),
                    "iifname @zone_lan_if meta nfproto ipv4 ip daddr 198.51.100.8/29 counter dnat ip to meta l4proto . th dport map @fwd4_to_sub_via_isp comment \"gw:hairpin\"") != pre.end());
}

TEST_CASE("port ranges limited to an uplink, with hairpin: a map per protocol, the protocol in the rule") {
    auto c = gw::test::home_config();
    auto span = gw::test::forward("span", config::Proto::udp, {gw::test::ports(5000, 5010)}, "172.16.1.101", 90);
    span.uplinks = {name("isp")};
    c.nat.forwards = {span};
    rules::Facts facts;
    facts.uplink_addresses["isp"] = {*net::Address::parse("203.0.113.7")};
    auto rs = rules::compile_ruleset(c, facts);
    REQUIRE(find_set(rs, "fwd4_range_udp_via_isp"));
    CHECK_FALSE(find_set(rs, "fwd4_range_tcp_via_isp"));
    CHECK(element_texts(*find_set(rs, "fwd4_range_udp_via_isp")) ==
          std::vector<std::string>{"5000-5010 comment \"span\" : 172.16.1.101"});
    auto pre = rule_texts(*find_chain(rs, "prerouting"));
    CHECK(pre == std::vector<std::string>{
                     "iifname \"isp\" meta nfproto ipv4 ip daddr @uplink_isp_addr4 counter dnat ip to meta l4proto . th dport map @fwd4_via_isp comment \"gw:dnat\"",
                     "iifname @zone_lan_if meta nfproto ipv4 ip daddr @uplink_isp_addr4 counter dnat ip to meta l4proto . th dport map @fwd4_via_isp comment \"gw:hairpin\"",
                     "iifname \"isp\" meta nfproto ipv4 meta l4proto udp ip daddr @uplink_isp_addr4 counter dnat ip to th dport map @fwd4_range_udp_via_isp comment \"gw:dnat\"",
                     "iifname @zone_lan_if meta nfproto ipv4 meta l4proto udp ip daddr @uplink_isp_addr4 counter dnat ip to th dport map @fwd4_range_udp_via_isp comment \"gw:hairpin\""});
}

TEST_CASE("open forwards: one hash-set element per server port; open ranges in the source set") {
    auto c = gw::test::home_config();
    config::Uplink v6;
    v6.name = name("v6plus");
    v6.kind = config::UplinkKind::next_hop;
    v6.device = name("v6p0");
    c.uplinks.push_back(v6);
    // One server port reached via two uplinks: the kernel wants it once.
    auto a = gw::test::forward("web-isp", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.100", 90);
    a.uplinks = {name("isp")};
    auto b = gw::test::forward("web-v6", config::Proto::tcp, {gw::test::ports(443, 443)}, "172.16.1.100", 91);
    b.uplinks = {name("v6plus")};
    auto span = gw::test::forward("span", config::Proto::udp, {gw::test::ports(5000, 5010)}, "172.16.1.101", 92);
    c.nat.forwards = {a, b, span};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(element_texts(*find_set(rs, "fwd4_allow")) ==
          std::vector<std::string>{"172.16.1.100 . tcp . 443 comment \"web-isp\""});
    CHECK(element_texts(*find_set(rs, "fwd4_src_allow_udp")) ==
          std::vector<std::string>{"0.0.0.0/0 . 172.16.1.101 . 5000-5010 comment \"span\""});
    CHECK_FALSE(find_set(rs, "fwd4_src_allow_tcp"));
    // Without ranges or sources there is no interval set (and no rule for it).
    c.nat.forwards = {a};
    auto plain = rules::compile_ruleset(c, {});
    CHECK(find_set(plain, "fwd4_src_allow_udp") == nullptr);
    CHECK(count_comment(*find_chain(plain, "forward"), "gw:forwards") == 1);
}

TEST_CASE("masquerade from zones and networks to zones and uplinks; IPv4 only") {
    auto c = gw::test::home_config();
    config::Masquerade m;
    m.from_zones = {name("lan")};
    m.from.prefixes = {gw::test::prefix("10.8.0.0/24")};
    m.to = {name("wan"), name("isp")};
    m.loc = at(30);
    c.nat.masquerade = {m};
    auto rs = rules::compile_ruleset(c, {});
    auto post = rule_texts(*find_chain(rs, "postrouting"));
    // Postrouting has no input interface: the zone is matched by its networks.
    CHECK(post == std::vector<std::string>{
                      "oifname @zone_wan_if meta nfproto ipv4 ip saddr @zone_lan_net4 counter masquerade comment \"masquerade[0]\"",
                      "oifname @zone_wan_if meta nfproto ipv4 ip saddr 10.8.0.0/24 counter masquerade comment \"masquerade[0]\"",
                      "oifname \"isp\" meta nfproto ipv4 ip saddr @zone_lan_net4 counter masquerade comment \"masquerade[0]\"",
                      "oifname \"isp\" meta nfproto ipv4 ip saddr 10.8.0.0/24 counter masquerade comment \"masquerade[0]\""});
    CHECK(element_texts(*find_set(rs, "zone_lan_net4")) == std::vector<std::string>{"172.16.0.0/16"});
    for (const auto& r : find_chain(rs, "postrouting")->rules) CHECK(r.origin == at(30));
}

TEST_CASE("a zone's networks are its own plus those of its interfaces' addresses") {
    auto c = gw::test::home_config();
    c.zones[0].networks = {};
    c.interfaces[0].addresses = {gw::test::prefix("172.16.2.1/16"), gw::test::prefix("10.1.1.1/24"),
                                 gw::test::prefix("fd00::1/64")};
    config::Masquerade m;
    m.from_zones = {name("lan"), name("wan")};  // wan has no networks: no rule for it
    m.to = {name("wan")};
    c.nat.masquerade = {m};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(element_texts(*find_set(rs, "zone_lan_net4")) == std::vector<std::string>{"10.1.1.0/24", "172.16.0.0/16"});
    CHECK_FALSE(find_set(rs, "zone_wan_net4"));
    CHECK(rule_texts(*find_chain(rs, "postrouting")) ==
          std::vector<std::string>{"oifname @zone_wan_if meta nfproto ipv4 ip saddr @zone_lan_net4 counter masquerade comment \"masquerade[0]\""});
    m.from_zones = {};
    c.nat.masquerade = {m};
    CHECK(rule_texts(*find_chain(rules::compile_ruleset(c, {}), "postrouting")) ==
          std::vector<std::string>{"oifname @zone_wan_if meta nfproto ipv4 counter masquerade comment \"masquerade[0]\""});
}

TEST_CASE("MSS clamping runs at mangle priority on the uplinks, and only when asked") {
    auto c = gw::test::home_config();
    auto rs = rules::compile_ruleset(c, {});
    const auto* mangle = find_chain(rs, "mangle_forward");
    REQUIRE(mangle);
    CHECK(mangle->base->priority == -150);
    CHECK(rule_texts(*mangle) == std::vector<std::string>{
                                     "oifname @uplink_if meta l4proto tcp tcp flags syn counter tcp option maxseg size set rt mtu comment \"gw:mss-clamp\"",
                                     "iifname @uplink_if meta l4proto tcp tcp flags syn counter tcp option maxseg size set rt mtu comment \"gw:mss-clamp\""});
    c.nat.mss_clamp = false;
    CHECK_FALSE(find_chain(rules::compile_ruleset(c, {}), "mangle_forward"));
}

TEST_CASE("rule logging is a separate rate-limited rule before the verdict") {
    auto c = gw::test::home_config();
    auto r = gw::test::rule("ssh", config::Action::deny, 80);
    r.proto = config::Proto::tcp;
    r.ports = {gw::test::ports(22, 22)};
    r.log = true;
    c.firewall.input.rules = {r};
    c.firewall.input.log.rate = 3;
    c.firewall.input.log.per = std::string("second");
    auto texts = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "input"));
    auto it = std::find(texts.begin(), texts.end(),
                        "meta l4proto tcp th dport 22 limit rate 3/second burst 10 packets log prefix \"gw-ssh: \" group 4747 comment \"ssh\"");
    REQUIRE(it != texts.end());
    CHECK(*(it + 1) == "meta l4proto tcp th dport 22 counter drop comment \"ssh\"");
}

TEST_CASE("compilation is deterministic") {
    auto c = gw::test::home_config();
    c.nat.forwards = {gw::test::forward("b", config::Proto::tcp, {gw::test::ports(2, 2)}, "172.16.1.1", 1),
                      gw::test::forward("a", config::Proto::udp, {gw::test::ports(1, 1)}, "172.16.1.2", 2)};
    CHECK(nft::render_ruleset(rules::compile_ruleset(c, {})) == nft::render_ruleset(rules::compile_ruleset(c, {})));
}

TEST_CASE("allow elements covered by another forward's are left out (the kernel refuses overlaps)") {
    auto c = gw::test::home_config();
    auto open = gw::test::forward("web", config::Proto::tcp, {gw::test::ports(80, 80)}, "172.16.1.100", 90);
    auto limited = gw::test::forward("web-alt", config::Proto::tcp, {gw::test::ports(8080, 8080)}, "172.16.1.100", 91);
    limited.to_port = config::Located<std::uint16_t>{80, at(91)};
    limited.sources.prefixes = {gw::test::prefix("198.51.100.0/24")};
    auto range = gw::test::forward("span", config::Proto::tcp, {gw::test::ports(70, 90)}, "172.16.1.101", 92);
    range.sources.prefixes = {gw::test::prefix("198.51.100.0/24")};
    auto inside = gw::test::forward("one", config::Proto::tcp, {gw::test::ports(9080, 9080)}, "172.16.1.101", 93);
    inside.to_port = config::Located<std::uint16_t>{80, at(93)};
    inside.sources.prefixes = {gw::test::prefix("198.51.100.128/25")};
    c.nat.forwards = {limited, open, range, inside};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(element_texts(*find_set(rs, "fwd4_allow")) ==
          std::vector<std::string>{"172.16.1.100 . tcp . 80 comment \"web\""});
    CHECK(element_texts(*find_set(rs, "fwd4_src_allow_tcp")) ==
          std::vector<std::string>{"198.51.100.0/24 . 172.16.1.101 . 70-90 comment \"span\""});
    // Both public ports still have their DNAT element.
    CHECK(find_set(rs, "fwd4")->elements.size() == 3);
}

TEST_CASE("a config rule can deny ping: echo-request is accepted after the config's rules") {
    auto c = gw::test::home_config();
    auto r = gw::test::rule("no-wan-ping", config::Action::deny, 85);
    r.from = {name("wan")};
    r.proto = config::Proto::icmp;
    r.icmp_types = {name("echo-request")};
    c.firewall.input.rules = {r};
    auto texts = rule_texts(*find_chain(rules::compile_ruleset(c, {}), "input"));
    auto deny = std::find(texts.begin(), texts.end(),
                          "iifname @zone_wan_if meta nfproto ipv4 meta l4proto icmp icmp type echo-request counter drop comment \"no-wan-ping\"");
    auto echo = std::find(texts.begin(), texts.end(),
                          "meta nfproto ipv4 meta l4proto icmp icmp type echo-request counter accept comment \"gw:echo\"");
    REQUIRE(deny != texts.end());
    REQUIRE(echo != texts.end());
    CHECK(deny < echo);
    auto essentials = std::find_if(texts.begin(), texts.end(), [](const std::string& t) { return t.find("gw:icmp\"") != std::string::npos; });
    CHECK(essentials < deny);
}

TEST_CASE("every rule and set from the config points at its line; chains too") {
    auto c = gw::test::home_config();
    c.nat.forwards = {gw::test::forward("web", config::Proto::tcp, {gw::test::ports(443, 443, 91)}, "172.16.1.100", 90)};
    config::Masquerade m;
    m.from_zones = {name("lan")};
    m.to = {name("wan")};
    m.loc = at(30);
    c.nat.masquerade = {m};
    auto rs = rules::compile_ruleset(c, {});
    CHECK(find_chain(rs, "prerouting")->origin == at(90));
    CHECK(find_chain(rs, "postrouting")->origin == at(30));
    CHECK(find_set(rs, "fwd4")->origin == at(90));
    CHECK(find_set(rs, "fwd4")->elements.front().origin == at(91));
    CHECK(find_set(rs, "uplink_if")->origin == at(5));
    CHECK(find_set(rs, "zone_lan_net4")->origin == at(10));
}
