// Unit tests of render_*: every Key and every Stmt of ruleset.hpp has an
// nft spelling, sets/maps/chains/tables print in nft 1.0.6 syntax, the
// replace form and counter values are options.
#include <doctest/doctest.h>

#include <set>

#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"

using namespace gw;
using namespace gw::nft;

namespace {

constexpr Key kAllKeys[] = {
    Key::meta_iifname, Key::meta_oifname, Key::meta_nfproto, Key::meta_l4proto, Key::meta_mark,
    Key::meta_skuid,   Key::meta_skgid,   Key::ip_saddr,     Key::ip_daddr,     Key::ip6_saddr,
    Key::ip6_daddr,    Key::th_sport,     Key::th_dport,     Key::icmp_type,    Key::icmpv6_type,
    Key::ct_state,     Key::ct_status,    Key::ct_mark,      Key::ether_type,   Key::fib_daddr_type,
    Key::tcp_flags,
};

net::Prefix pfx(const char* s) {
    return *net::Prefix::parse(s);
}

Element elem(std::vector<Value> key, std::vector<Value> data = {}, std::string comment = {}) {
    Element e;
    e.key = std::move(key);
    e.data = std::move(data);
    e.comment = std::move(comment);
    return e;
}

}  // namespace

TEST_CASE("every key has its own spelling and key_info entry") {
    std::set<std::string> seen;
    for (auto k : kAllKeys) {
        CHECK(key_info(k).key == k);
        auto text = render_key(k);
        CHECK_FALSE(text.empty());
        CHECK(seen.insert(text).second);
    }
    CHECK(render_key(Key::meta_iifname) == "iifname");
    CHECK(render_key(Key::meta_l4proto) == "meta l4proto");
    CHECK(render_key(Key::fib_daddr_type) == "fib daddr type");
}

TEST_CASE("values print symbolically where nft has a name") {
    CHECK(render_value(Key::meta_l4proto, std::uint64_t{6}) == "tcp");
    CHECK(render_value(Key::meta_l4proto, std::uint64_t{58}) == "ipv6-icmp");
    CHECK(render_value(Key::meta_l4proto, std::uint64_t{47}) == "47");
    CHECK(render_value(Key::meta_nfproto, std::uint64_t{10}) == "ipv6");
    CHECK(render_value(Key::icmp_type, std::uint64_t{8}) == "echo-request");
    CHECK(render_value(Key::icmpv6_type, std::uint64_t{135}) == "nd-neighbor-solicit");
    CHECK(render_value(Key::ct_state, std::uint64_t{kCtStateEstablished | kCtStateRelated}) == "established,related");
    CHECK(render_value(Key::ct_status, std::uint64_t{kCtStatusDnat}) == "dnat");
    CHECK(render_value(Key::tcp_flags, std::uint64_t{0x12}) == "syn,ack");
    CHECK(render_value(Key::meta_mark, std::uint64_t{0x600}) == "0x00000600");
    CHECK(render_value(Key::ether_type, std::uint64_t{0x86dd}) == "ip6");
    CHECK(render_value(Key::fib_daddr_type, std::uint64_t{2}) == "local");
    CHECK(render_value(Key::th_dport, IntRange{8000, 8100}) == "8000-8100");
    CHECK(render_value(Key::meta_iifname, std::string("lan0")) == "\"lan0\"");
    CHECK(render_value(Key::ip_saddr, pfx("10.0.0.0/8")) == "10.0.0.0/8");
    CHECK(render_value(Key::ip_saddr, pfx("10.1.2.3")) == "10.1.2.3");
    CHECK(render_value(Key::ip6_daddr, pfx("2001:db8::/32")) == "2001:db8::/32");
    CHECK(symbol_value(Key::icmpv6_type, "packet-too-big") == 2);
    CHECK_FALSE(symbol_value(Key::icmp_type, "packet-too-big"));
}

TEST_CASE("every statement renders") {
    struct Case {
        Stmt stmt;
        const char* text;
    };
    Nat dnat_map{NatKind::dnat, net::Family::ipv4, {}, {}, {Key::meta_l4proto, Key::th_dport}, "fwd4", true};
    Nat dnat_fixed{NatKind::dnat, net::Family::ipv4, net::Address::parse("10.0.0.2"), 8080, {}, {}, false};
    Nat snat6{NatKind::snat, net::Family::ipv6, net::Address::parse("2001:db8::1"), 53, {}, {}, false};
    Lookup inline_lookup{{Key::meta_l4proto, Key::th_dport}, {}, {elem({std::uint64_t{6}, std::uint64_t{22}}),
                                                                  elem({std::uint64_t{17}, IntRange{53, 54}})}, false};
    const Case cases[] = {
        {Cmp{Key::meta_iifname, std::string("lo"), false}, "iifname \"lo\""},
        {Cmp{Key::meta_oifname, std::string("ppp0"), true}, "oifname != \"ppp0\""},
        {Cmp{Key::ip_saddr, pfx("192.168.0.0/16"), false}, "ip saddr 192.168.0.0/16"},
        {Cmp{Key::th_dport, IntRange{1, 1023}, false}, "th dport 1-1023"},
        {Cmp{Key::meta_skuid, std::uint64_t{1000}, false}, "meta skuid 1000"},
        {AnyBits{Key::ct_state, kCtStateInvalid}, "ct state invalid"},
        {AnyBits{Key::tcp_flags, kTcpFlagSyn}, "tcp flags syn"},
        {MaskedCmp{Key::ip6_daddr, *net::Address::parse("::ffff:ffff:ffff:ffff"), *net::Address::parse("::1234")},
         "ip6 daddr & ::ffff:ffff:ffff:ffff == ::1234"},
        {Lookup{{Key::ip_saddr}, "rfc1918_v4", {}, false}, "ip saddr @rfc1918_v4"},
        {Lookup{{Key::meta_iifname}, "uplink_if", {}, true}, "iifname != @uplink_if"},
        {inline_lookup, "meta l4proto . th dport { tcp . 22, udp . 53-54 }"},
        {Counter{}, "counter"},
        {Log{"gw-input-drop: "}, "log prefix \"gw-input-drop: \""},
        {Log{}, "log"},
        {Log{"gw-x: ", 4747}, "log prefix \"gw-x: \" group 4747"},
        {Limit{5, RateUnit::minute, 10}, "limit rate 5/minute burst 10 packets"},
        {Limit{1, RateUnit::day, 0}, "limit rate 1/day"},
        {Verdict{VerdictKind::accept, {}}, "accept"},
        {Verdict{VerdictKind::drop, {}}, "drop"},
        {Verdict{VerdictKind::jump, "incoming"}, "jump incoming"},
        {Verdict{VerdictKind::goto_, "incoming"}, "goto incoming"},
        {Verdict{VerdictKind::return_, {}}, "return"},
        {Verdict{VerdictKind::continue_, {}}, "continue"},
        {Reject{RejectKind::tcp_reset}, "reject with tcp reset"},
        {Reject{RejectKind::admin_prohibited}, "reject with icmpx admin-prohibited"},
        {Reject{RejectKind::port_unreachable}, "reject"},
        {Nat{}, "masquerade"},
        {dnat_map, "dnat ip to meta l4proto . th dport map @fwd4"},
        {dnat_fixed, "dnat ip to 10.0.0.2:8080"},
        {snat6, "snat ip6 to [2001:db8::1]:53"},
        {SetMeta{SetTarget::meta_mark, 0x600, {}}, "meta mark set 0x00000600"},
        {SetMeta{SetTarget::ct_mark, {}, Key::meta_mark}, "ct mark set meta mark"},
        {SetMeta{SetTarget::meta_mark, {}, Key::ct_mark}, "meta mark set ct mark"},
        {SetMeta{SetTarget::meta_broute, 1, {}}, "meta broute set 1"},
        {MssClamp{}, "tcp option maxseg size set rt mtu"},
        {FlowOffload{"fastpath"}, "flow add @fastpath"},
        {Opaque{"xt match"}, "[unsupported: xt match]"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        CHECK(render_stmt(c.stmt) == c.text);
    }
    std::set<std::size_t> covered;
    for (const auto& c : cases) covered.insert(c.stmt.index());
    CHECK(covered.size() == std::variant_size_v<Stmt>);
}

TEST_CASE("counters show values only when asked; rules carry comments; opaque rules are comments") {
    Rule r;
    r.stmts = {Cmp{Key::meta_iifname, std::string("lo"), false}, Counter{12, 3400}, Verdict{}};
    r.comment = "gw:loopback";
    CHECK(render_rule(r) == "iifname \"lo\" counter accept comment \"gw:loopback\"");
    RenderOptions with;
    with.counters = true;
    CHECK(render_rule(r, with) == "iifname \"lo\" counter packets 12 bytes 3400 accept comment \"gw:loopback\"");
    r.stmts.insert(r.stmts.begin(), Opaque{"osf"});
    CHECK(render_rule(r) == "# [unsupported: osf] iifname \"lo\" counter accept comment \"gw:loopback\"");
}

TEST_CASE("sets and maps: typeof, flags, counter, one element per line") {
    Set m;
    m.name = "fwd4";
    m.key = {Key::meta_l4proto, Key::th_dport};
    m.data = {Key::ip_daddr, Key::th_dport};
    m.counter = true;
    m.elements = {elem({std::uint64_t{6}, std::uint64_t{443}}, {pfx("172.16.1.100"), std::uint64_t{443}}, "https"),
                  elem({std::uint64_t{17}, std::uint64_t{500}}, {pfx("172.16.1.100"), std::uint64_t{500}})};
    m.elements[0].counter = {3, 180};
    CHECK(render_set(m) ==
          "\tmap fwd4 {\n"
          "\t\ttypeof meta l4proto . th dport : ip daddr . th dport\n"
          "\t\tcounter\n"
          "\t\telements = {\n"
          "\t\t\ttcp . 443 comment \"https\" : 172.16.1.100 . 443,\n"
          "\t\t\tudp . 500 : 172.16.1.100 . 500\n"
          "\t\t}\n"
          "\t}\n");
    RenderOptions with;
    with.counters = true;
    CHECK(render_set(m, with).find("tcp . 443 counter packets 3 bytes 180 comment \"https\" : 172.16.1.100 . 443") !=
          std::string::npos);

    Set v;
    v.name = "ports";
    v.key = {Key::th_dport};
    v.verdict_map = true;
    v.interval = true;
    Element e = elem({IntRange{1, 1023}});
    e.verdict = Verdict{VerdictKind::jump, "low"};
    v.elements = {e};
    CHECK(render_set(v) ==
          "\tmap ports {\n\t\ttypeof th dport : verdict\n\t\tflags interval\n\t\telements = {\n"
          "\t\t\t1-1023 : jump low\n\t\t}\n\t}\n");

    Set empty;
    empty.name = "uplink_addr4";
    empty.key = {Key::ip_daddr};
    CHECK(render_set(empty) == "\tset uplink_addr4 {\n\t\ttypeof ip daddr\n\t}\n");
}

TEST_CASE("tables: base chains with named priorities, and the atomic replace form") {
    Table t;
    t.name = "gatewayd";
    Chain in;
    in.name = "input";
    in.base = BaseChain{ChainType::filter, Hook::input, 0, ChainPolicy::drop};
    Chain pre;
    pre.name = "prerouting";
    pre.base = BaseChain{ChainType::nat, Hook::prerouting, -100, ChainPolicy::accept};
    Chain odd;
    odd.name = "incoming";
    Chain routed;
    routed.name = "mark_out";
    routed.base = BaseChain{ChainType::route, Hook::output, -147, ChainPolicy::accept};
    t.chains = {pre, in, odd, routed};
    const std::string body =
        "table inet gatewayd {\n"
        "\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t}\n\n"
        "\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n\n"
        "\tchain incoming {\n\t}\n\n"
        "\tchain mark_out {\n\t\ttype route hook output priority -147; policy accept;\n\t}\n"
        "}\n";
    Ruleset rs;
    rs.tables = {t};
    CHECK(render_ruleset(rs) == body);
    RenderOptions replace;
    replace.replace = true;
    CHECK(render_ruleset(rs, replace) == "table inet gatewayd\ndelete table inet gatewayd\n" + body);

    Table br;
    br.family = TableFamily::bridge;
    br.name = "gatewayd";
    Chain bpre;
    bpre.name = "prerouting";
    bpre.base = BaseChain{ChainType::filter, Hook::prerouting, -200, ChainPolicy::accept};
    bpre.rules = {Rule{{SetMeta{SetTarget::meta_broute, 1, {}}}, "", {}}};
    br.chains = {bpre};
    CHECK(render_table(br) ==
          "table bridge gatewayd {\n\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
          "\t\tmeta broute set 1\n\t}\n}\n");
}

TEST_CASE("lookups in verdict maps render as vmap, named (with the table) or inline") {
    Table t;
    t.name = "gatewayd";
    Set ports;
    ports.name = "ports";
    ports.key = {Key::th_dport};
    ports.verdict_map = true;
    t.sets = {ports};
    Stmt named = Lookup{{Key::th_dport}, "ports", {}, false};
    CHECK(render_stmt(named, {}, &t) == "th dport vmap @ports");
    CHECK(render_stmt(named) == "th dport @ports");  // no table: nothing says it is a map
    Element tcp = elem({std::uint64_t{6}});
    tcp.verdict = Verdict{VerdictKind::jump, "tcp_in"};
    Element udp = elem({std::uint64_t{17}});
    udp.verdict = Verdict{VerdictKind::accept, {}};
    CHECK(render_stmt(Lookup{{Key::meta_l4proto}, {}, {tcp, udp}, false}) ==
          "meta l4proto vmap { tcp : jump tcp_in, udp : accept }");
    Chain c;
    c.name = "input";
    c.rules = {Rule{{named}, "", {}}};
    t.chains = {c, Chain{"tcp_in", {}, {}, {}}};
    CHECK(render_table(t).find("\t\tth dport vmap @ports\n") != std::string::npos);
}

