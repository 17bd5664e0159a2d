#include "tests/kernel/nft_fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "rules/nft/diff.hpp"
#include "rules/nft/keys.hpp"

namespace gw::kernel::test {

using namespace nft;

Value pfx(const char* text) {
    auto p = net::Prefix::parse(text);
    if (!p) throw std::invalid_argument(text);
    return *p;
}

Stmt cmp(Key key, Value value) {
    return Cmp{key, std::move(value), false};
}

Stmt ncmp(Key key, Value value) {
    return Cmp{key, std::move(value), true};
}

Stmt verdict(VerdictKind kind, std::string chain) {
    return Verdict{kind, std::move(chain)};
}

Rule rule(std::vector<Stmt> stmts, std::string comment, int line) {
    Rule r;
    r.stmts = std::move(stmts);
    r.comment = std::move(comment);
    r.origin = config::Loc{line, line ? 5 : 0};
    return r;
}

Element elem(std::vector<Value> key, std::vector<Value> data, std::string comment) {
    Element e;
    e.key = std::move(key);
    e.data = std::move(data);
    e.comment = std::move(comment);
    return e;
}

Chain base_chain(std::string name, ChainType type, Hook hook, int prio, ChainPolicy policy) {
    Chain c;
    c.name = std::move(name);
    c.base = BaseChain{type, hook, prio, policy};
    return c;
}

namespace {

constexpr std::uint64_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58, kV4 = 2, kV6 = 10;
const Stmt kAccept = Verdict{VerdictKind::accept, {}};

Set make_set(std::string name, std::vector<Key> key, std::vector<Element> elements, bool interval = false,
             bool counter = false) {
    Set s;
    s.name = std::move(name);
    s.key = std::move(key);
    s.elements = std::move(elements);
    s.interval = interval;
    s.counter = counter;
    return s;
}

Lookup inline_lookup(std::vector<Key> keys, std::vector<Element> elements) {
    return Lookup{std::move(keys), {}, std::move(elements), false};
}

Element vmap_elem(std::vector<Value> key, VerdictKind kind, std::string chain = {}) {
    Element e = elem(std::move(key));
    e.verdict = Verdict{kind, std::move(chain)};
    return e;
}

Nat nat_to(NatKind kind, const char* addr, std::optional<std::uint16_t> port = {}) {
    Nat n;
    n.kind = kind;
    n.address = net::Address::parse(addr);
    n.family = n.address->family;
    n.port = port;
    return n;
}

Nat nat_map(net::Family family, std::string map, bool port) {
    Nat n;
    n.kind = NatKind::dnat;
    n.family = family;
    n.map_keys = {Key::meta_l4proto, Key::th_dport};
    n.map_name = std::move(map);
    n.map_has_port = port;
    return n;
}

SetMeta set_meta(SetTarget target, std::optional<std::uint32_t> value, std::optional<Key> from = {}) {
    return SetMeta{target, value, from};
}

std::vector<Set> inet_sets() {
    std::vector<Set> sets;
    sets.push_back(make_set("blocked4", {Key::ip_saddr},
                            {elem({pfx("10.0.0.0/8")}), elem({pfx("172.16.0.0/12")}),
                             elem({pfx("192.168.1.1")}, {}, "one host")},
                            true, true));
    sets.back().comment = "blocked sources";
    sets.push_back(make_set("svc", {Key::meta_l4proto, Key::th_dport},
                            {elem({kTcp, std::uint64_t{22}}, {}, "ssh"), elem({kUdp, std::uint64_t{53}})}, false,
                            true));
    auto fwd4 = make_set("fwd4", {Key::meta_l4proto, Key::th_dport},
                         {elem({kTcp, std::uint64_t{80}}, {pfx("192.168.1.10"), std::uint64_t{8080}}),
                          elem({kTcp, std::uint64_t{443}}, {pfx("192.168.1.11"), std::uint64_t{443}})});
    fwd4.data = {Key::ip_daddr, Key::th_dport};
    sets.push_back(fwd4);
    auto fwd6 = make_set("fwd6", {Key::meta_l4proto, Key::th_dport},
                         {elem({kTcp, std::uint64_t{80}}, {pfx("2001:db8::10")})});
    fwd6.data = {Key::ip6_daddr};
    sets.push_back(fwd6);
    auto vm = make_set("vm", {Key::meta_l4proto, Key::th_dport},
                       {vmap_elem({kTcp, std::uint64_t{22}}, VerdictKind::accept),
                        vmap_elem({kUdp, std::uint64_t{53}}, VerdictKind::jump, "inbound")});
    vm.verdict_map = true;
    sets.push_back(vm);
    sets.push_back(make_set("ifaddr", {Key::meta_iifname, Key::ip_saddr},
                            {elem({std::string("lan0"), pfx("10.0.0.0/8")}),
                             elem({std::string("lan1"), pfx("1.2.3.4")})},
                            true));
    // Concatenated intervals with one-byte host-order parts (nft converts them too).
    auto ranges = make_set("ranges", {Key::meta_l4proto, Key::th_dport},
                           {elem({kTcp, IntRange{27000, 27015}}, {pfx("172.16.1.102")}, "game")}, true, true);
    ranges.data = {Key::ip_daddr};
    sets.push_back(ranges);
    sets.push_back(make_set("allow", {Key::ip_saddr, Key::ip_daddr, Key::meta_l4proto, Key::th_dport},
                            {elem({pfx("0.0.0.0/0"), pfx("172.16.1.100"), kTcp, std::uint64_t{25}}),
                             elem({pfx("198.51.100.0/24"), pfx("172.16.1.101"), kTcp, IntRange{20, 22}})},
                            true, true));
    sets.push_back(make_set("marks", {Key::meta_mark},
                            {elem({IntRange{0x10, 0x20}}), elem({std::uint64_t{0x600}})}, true));
    sets.push_back(make_set("ports", {Key::th_dport},
                            {elem({std::uint64_t{22}}), elem({IntRange{60000, 65535}})}, true));
    sets.push_back(make_set("uids", {Key::meta_skuid}, {elem({std::uint64_t{1000}}), elem({std::uint64_t{1001}})}));
    sets.push_back(make_set("six", {Key::ip6_daddr}, {elem({pfx("2001:db8::/32")}, {}, "doc")}, true));
    // One empty set per key: each key's `typeof` userdata is written and read back.
    for (int k = 0; k <= static_cast<int>(Key::tcp_flags); ++k)
        sets.push_back(make_set("k" + std::to_string(k), {static_cast<Key>(k)}, {}));
    return sets;
}

std::vector<Rule> forward_rules() {
    return {
        rule({AnyBits{Key::ct_state, 6}, kAccept}),
        rule({cmp(Key::ct_state, std::uint64_t{8}), Counter{}, verdict(VerdictKind::continue_)}),
        rule({AnyBits{Key::ct_status, 0x20}, kAccept}),
        rule({cmp(Key::meta_iifname, std::string("lan0")), ncmp(Key::meta_oifname, std::string("wan0")), kAccept},
             "lan out"),
        rule({cmp(Key::meta_nfproto, kV4), cmp(Key::ip_saddr, pfx("10.0.0.0/8")),
              ncmp(Key::ip_daddr, pfx("192.168.0.0/23")), Counter{}, kAccept}),
        rule({cmp(Key::meta_nfproto, kV6), cmp(Key::ip6_saddr, pfx("2001:db8::/64")),
              cmp(Key::ip6_daddr, pfx("2001:db8::1")), kAccept}),
        rule({cmp(Key::meta_l4proto, kTcp), cmp(Key::th_dport, std::uint64_t{22}), kAccept}),
        // A host by its interface ID under any prefix (routed IPv6 pinholes).
        rule({cmp(Key::meta_nfproto, kV6),
              MaskedCmp{Key::ip6_daddr, *net::Address::parse("::ffff:ffff:ffff:ffff"), *net::Address::parse("::1234")},
              Counter{}, kAccept}),
        rule({cmp(Key::meta_l4proto, kUdp), cmp(Key::th_dport, IntRange{1000, 2000}),
              ncmp(Key::th_sport, IntRange{1, 1023}), kAccept}),
        rule({cmp(Key::meta_nfproto, kV4), cmp(Key::meta_l4proto, kIcmp), cmp(Key::icmp_type, std::uint64_t{8}),
              Limit{10, RateUnit::second, 5}, kAccept}),
        rule({cmp(Key::meta_nfproto, kV6), cmp(Key::meta_l4proto, kIcmp6),
              inline_lookup({Key::icmpv6_type}, {elem({std::uint64_t{133}}), elem({std::uint64_t{134}}),
                                                 elem({std::uint64_t{135}}), elem({std::uint64_t{136}})}),
              kAccept}),
        rule({cmp(Key::meta_l4proto, kTcp), AnyBits{Key::tcp_flags, 2}, MssClamp{}}),
        rule({Lookup{{Key::meta_l4proto, Key::th_dport}, "svc", {}, false}, Counter{}, kAccept}),
        rule({cmp(Key::meta_nfproto, kV4), Lookup{{Key::ip_saddr}, "blocked4", {}, false}, Counter{},
              verdict(VerdictKind::drop)}),
        rule({cmp(Key::meta_nfproto, kV4), Lookup{{Key::ip_daddr}, "blocked4", {}, true}, kAccept}),
        rule({cmp(Key::meta_nfproto, kV4), Lookup{{Key::meta_iifname, Key::ip_saddr}, "ifaddr", {}, false}, kAccept}),
        rule({Lookup{{Key::meta_mark}, "marks", {}, false}, kAccept}),
        rule({cmp(Key::meta_nfproto, kV4),
              Lookup{{Key::ip_saddr, Key::ip_daddr, Key::meta_l4proto, Key::th_dport}, "allow", {}, false}, kAccept}),
        rule({Lookup{{Key::th_dport}, "ports", {}, false}, kAccept}),
        rule({Lookup{{Key::meta_l4proto, Key::th_dport}, "vm", {}, false}}),
        rule({cmp(Key::meta_mark, std::uint64_t{0x600}), verdict(VerdictKind::jump, "inbound")}),
        rule({cmp(Key::ct_mark, std::uint64_t{0x10}), verdict(VerdictKind::goto_, "inbound")}),
        rule({cmp(Key::fib_daddr_type, std::uint64_t{2}), kAccept}),
        rule({inline_lookup({Key::meta_l4proto}, {elem({kTcp}), elem({kUdp})}),
              inline_lookup({Key::th_dport}, {elem({std::uint64_t{80}}), elem({std::uint64_t{443}}),
                                              elem({IntRange{8000, 8080}})}),
              kAccept}),
        rule({cmp(Key::meta_nfproto, kV4),
              inline_lookup({Key::ip_daddr}, {elem({pfx("10.0.0.0/8")}), elem({pfx("192.168.1.1")})}), kAccept}),
        rule({cmp(Key::meta_nfproto, kV4),
              inline_lookup({Key::meta_iifname, Key::ip_saddr}, {elem({std::string("lan0"), pfx("10.0.0.0/8")})}),
              kAccept}),
        rule({Limit{3, RateUnit::minute, 1}, Log{"drop: "}}),
        rule({cmp(Key::meta_l4proto, kTcp), Reject{RejectKind::tcp_reset}}),
        rule({Reject{RejectKind::admin_prohibited}}),
        rule({Reject{RejectKind::port_unreachable}}),
    };
}

std::vector<Rule> inbound_rules() {
    return {
        rule({cmp(Key::meta_nfproto, kV6), cmp(Key::meta_l4proto, kIcmp6), cmp(Key::icmpv6_type, std::uint64_t{128}),
              kAccept}),
        rule({cmp(Key::meta_mark, IntRange{0x10, 0x20}), kAccept}),
        rule({ncmp(Key::meta_mark, IntRange{0x30, 0x40}), kAccept}),
        rule({inline_lookup({Key::meta_l4proto},
                            {vmap_elem({kTcp}, VerdictKind::accept), vmap_elem({kUdp}, VerdictKind::drop)})}),
        rule({verdict(VerdictKind::return_)}),
    };
}

std::vector<Rule> prerouting_rules() {
    return {
        rule({nat_map(net::Family::ipv4, "fwd4", true)}, "forwards v4"),
        rule({nat_map(net::Family::ipv6, "fwd6", false)}),
        rule({cmp(Key::meta_nfproto, kV4), nat_map(net::Family::ipv4, "ranges", false)}),
        rule({cmp(Key::meta_l4proto, kTcp), cmp(Key::th_dport, std::uint64_t{8080}),
              nat_to(NatKind::dnat, "192.168.1.5", 80)}),
        rule({cmp(Key::meta_nfproto, kV4), nat_to(NatKind::dnat, "192.168.1.6")}),
        rule({cmp(Key::meta_l4proto, kTcp), nat_to(NatKind::dnat, "2001:db8::5", 8080)}),
        rule({set_meta(SetTarget::meta_mark, {}, Key::ct_mark)}),
    };
}

std::vector<Rule> postrouting_rules() {
    return {
        rule({cmp(Key::meta_oifname, std::string("wan0")), Nat{}}),
        rule({cmp(Key::meta_nfproto, kV4), nat_to(NatKind::snat, "1.2.3.4")}),
        rule({cmp(Key::meta_nfproto, kV6), nat_to(NatKind::snat, "2001:db8::1")}),
    };
}

std::vector<Rule> output_rules() {
    return {
        rule({Lookup{{Key::meta_skuid}, "uids", {}, false}, kAccept}),
        rule({cmp(Key::meta_skuid, std::uint64_t{1000}), ncmp(Key::meta_skgid, std::uint64_t{100}), kAccept}),
        rule({set_meta(SetTarget::meta_mark, 0x10)}),
        rule({set_meta(SetTarget::ct_mark, {}, Key::meta_mark)}),
        rule({set_meta(SetTarget::ct_mark, 5)}),
    };
}

Table inet_table() {
    Table t;
    t.family = TableFamily::inet;
    t.name = kTableName;
    t.sets = inet_sets();
    auto forward = base_chain("forward", ChainType::filter, Hook::forward, 0, ChainPolicy::drop);
    forward.rules = forward_rules();
    Chain inbound;
    inbound.name = "inbound";
    inbound.rules = inbound_rules();
    auto pre = base_chain("prerouting", ChainType::nat, Hook::prerouting, -100);
    pre.rules = prerouting_rules();
    auto post = base_chain("postrouting", ChainType::nat, Hook::postrouting, 100);
    post.rules = postrouting_rules();
    auto out = base_chain("output", ChainType::route, Hook::output, -150);
    out.rules = output_rules();
    t.chains = {forward, inbound, pre, post, out};
    return t;
}

Table bridge_table() {
    Table t;
    t.family = TableFamily::bridge;
    t.name = kTableName;
    auto pre = base_chain("prerouting", ChainType::filter, Hook::prerouting, -200);
    pre.rules = {
        rule({cmp(Key::meta_iifname, std::string("port0")), cmp(Key::ether_type, std::uint64_t{0x86dd}),
              set_meta(SetTarget::meta_mark, 0x600)},
             "mark by port"),
        rule({ncmp(Key::ether_type, std::uint64_t{0x86dd}), kAccept}),
        rule({cmp(Key::ip_saddr, pfx("1.2.3.4")), kAccept}),
        rule({cmp(Key::ether_type, std::uint64_t{0x0800}), cmp(Key::meta_l4proto, kIcmp),
              cmp(Key::icmp_type, std::uint64_t{8}), kAccept}),
    };
    auto fwd = base_chain("forward", ChainType::filter, Hook::forward, 0);
    fwd.rules = {rule({cmp(Key::ip6_daddr, pfx("2001:db8::/64")), Counter{}, kAccept})};
    t.chains = {pre, fwd};
    return t;
}

std::string key_sets_text() {
    std::string out;
    for (int k = 0; k <= static_cast<int>(Key::tcp_flags); ++k)
        out += "  set k" + std::to_string(k) + " { typeof " + std::string(key_info(static_cast<Key>(k)).nft) +
               "; }\n";
    return out;
}

}  // namespace

Ruleset full_ruleset() {
    Ruleset rs;
    rs.tables = {inet_table(), bridge_table()};
    return with_sorted_elements(rs);
}

std::string full_ruleset_text() {
    return R"(table inet gatewayd {
  chain forward { type filter hook forward priority 0; policy drop; }
  chain inbound { }
  chain prerouting { type nat hook prerouting priority -100; policy accept; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; }
  chain output { type route hook output priority -150; policy accept; }
  set blocked4 {
    typeof ip saddr
    flags interval
    counter
    comment "blocked sources"
    elements = { 10.0.0.0/8, 172.16.0.0/12, 192.168.1.1 comment "one host" }
  }
  set svc {
    typeof meta l4proto . th dport
    counter
    elements = { tcp . 22 comment "ssh", udp . 53 }
  }
  map fwd4 {
    typeof meta l4proto . th dport : ip daddr . th dport
    elements = { tcp . 80 : 192.168.1.10 . 8080, tcp . 443 : 192.168.1.11 . 443 }
  }
  map fwd6 {
    typeof meta l4proto . th dport : ip6 daddr
    elements = { tcp . 80 : 2001:db8::10 }
  }
  map vm {
    typeof meta l4proto . th dport : verdict
    elements = { tcp . 22 : accept, udp . 53 : jump inbound }
  }
  set ifaddr {
    typeof iifname . ip saddr
    flags interval
    elements = { "lan0" . 10.0.0.0/8, "lan1" . 1.2.3.4 }
  }
  map ranges {
    typeof meta l4proto . th dport : ip daddr
    flags interval
    counter
    elements = { tcp . 27000-27015 comment "game" : 172.16.1.102 }
  }
  set allow {
    typeof ip saddr . ip daddr . meta l4proto . th dport
    flags interval
    counter
    elements = { 0.0.0.0/0 . 172.16.1.100 . tcp . 25, 198.51.100.0/24 . 172.16.1.101 . tcp . 20-22 }
  }
  set marks { typeof meta mark; flags interval; elements = { 0x10-0x20, 0x600 }; }
  set ports { typeof th dport; flags interval; elements = { 22, 60000-65535 }; }
  set uids { typeof meta skuid; elements = { 1000, 1001 }; }
  set six { typeof ip6 daddr; flags interval; elements = { 2001:db8::/32 comment "doc" }; }
)" + key_sets_text() +
           R"(  chain forward {
    ct state established,related accept
    ct state == new counter continue
    ct status dnat accept
    iifname "lan0" oifname != "wan0" accept comment "lan out"
    meta nfproto ipv4 ip saddr 10.0.0.0/8 ip daddr != 192.168.0.0/23 counter accept
    meta nfproto ipv6 ip6 saddr 2001:db8::/64 ip6 daddr 2001:db8::1 accept
    meta l4proto tcp th dport 22 accept
    meta nfproto ipv6 ip6 daddr & ::ffff:ffff:ffff:ffff == ::1234 counter accept
    meta l4proto udp th dport 1000-2000 th sport != 1-1023 accept
    meta nfproto ipv4 meta l4proto icmp icmp type echo-request limit rate 10/second burst 5 packets accept
    meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept
    meta l4proto tcp tcp flags syn tcp option maxseg size set rt mtu
    meta l4proto . th dport @svc counter accept
    meta nfproto ipv4 ip saddr @blocked4 counter drop
    meta nfproto ipv4 ip daddr != @blocked4 accept
    meta nfproto ipv4 iifname . ip saddr @ifaddr accept
    meta mark @marks accept
    meta nfproto ipv4 ip saddr . ip daddr . meta l4proto . th dport @allow accept
    th dport @ports accept
    meta l4proto . th dport vmap @vm
    meta mark 0x600 jump inbound
    ct mark 0x10 goto inbound
    fib daddr type local accept
    meta l4proto { tcp, udp } th dport { 80, 443, 8000-8080 } accept
    meta nfproto ipv4 ip daddr { 10.0.0.0/8, 192.168.1.1 } accept
    meta nfproto ipv4 iifname . ip saddr { "lan0" . 10.0.0.0/8 } accept
    limit rate 3/minute burst 1 packets log prefix "drop: "
    meta l4proto tcp reject with tcp reset
    reject with icmpx admin-prohibited
    reject
  }
  chain inbound {
    meta nfproto ipv6 meta l4proto ipv6-icmp icmpv6 type echo-request accept
    meta mark 0x10-0x20 accept
    meta mark != 0x30-0x40 accept
    meta l4proto vmap { tcp : accept, udp : drop }
    return
  }
  chain prerouting {
    dnat ip to meta l4proto . th dport map @fwd4 comment "forwards v4"
    dnat ip6 to meta l4proto . th dport map @fwd6
    meta nfproto ipv4 dnat ip to meta l4proto . th dport map @ranges
    meta l4proto tcp th dport 8080 dnat ip to 192.168.1.5:80
    meta nfproto ipv4 dnat ip to 192.168.1.6
    meta l4proto tcp dnat ip6 to [2001:db8::5]:8080
    meta mark set ct mark
  }
  chain postrouting {
    oifname "wan0" masquerade
    meta nfproto ipv4 snat ip to 1.2.3.4
    meta nfproto ipv6 snat ip6 to 2001:db8::1
  }
  chain output {
    meta skuid @uids accept
    meta skuid 1000 meta skgid != 100 accept
    meta mark set 0x10
    ct mark set meta mark
    ct mark set 0x5
  }
}
table bridge gatewayd {
  chain prerouting {
    type filter hook prerouting priority -200; policy accept;
    iifname "port0" ether type ip6 meta mark set 0x600 comment "mark by port"
    ether type != ip6 accept
    ip saddr 1.2.3.4 accept
    ether type ip meta l4proto icmp icmp type echo-request accept
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip6 daddr 2001:db8::/64 counter accept
  }
}
)";
}

Ruleset small_ruleset() {
    Table t;
    t.family = TableFamily::inet;
    t.name = kTableName;
    Set allowed = make_set("allowed", {Key::ip_saddr}, {elem({pfx("10.0.0.0/8")})}, true);
    allowed.origin = config::Loc{7, 3};
    t.sets = {allowed};
    auto input = base_chain("input", ChainType::filter, Hook::input, 0);
    input.origin = config::Loc{9, 3};
    input.rules = {
        rule({cmp(Key::meta_nfproto, kV4), Lookup{{Key::ip_saddr}, "allowed", {}, false}, Counter{}, kAccept},
             "allowed", 10),
        rule({cmp(Key::meta_l4proto, kTcp), cmp(Key::th_dport, std::uint64_t{22}), kAccept}, "ssh", 11),
    };
    t.chains = {input};
    Ruleset rs;
    rs.tables = {t};
    return with_sorted_elements(rs);
}

Run run_nft(const std::vector<std::string>& args, const std::string& input) {
    std::string file;
    std::string cmd = "nft";
    if (!input.empty()) {
        char path[] = "/tmp/gw-kernel-test-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0) throw std::runtime_error("mkstemp");
        close(fd);
        file = path;
        std::ofstream(file) << input;
        cmd += " -f " + file;
    }
    for (const auto& a : args) cmd += " " + a;
    cmd += " 2>&1";
    Run run;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("popen nft");
    std::array<char, 4096> buf{};
    while (auto n = fread(buf.data(), 1, buf.size(), p)) run.output.append(buf.data(), n);
    int status = pclose(p);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!file.empty()) unlink(file.c_str());
    return run;
}

std::string nft_list_ruleset() {
    auto r = run_nft({"list", "ruleset"});
    if (r.status != 0) throw std::runtime_error("nft list ruleset: " + r.output);
    return r.output;
}

}  // namespace gw::kernel::test
