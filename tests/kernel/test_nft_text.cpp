// The encoder against nft 1.0.6 itself: the same ruleset written as text and
// loaded with `nft -f` must leave the kernel in the very same state (every
// attribute of every table, chain, set, element and expression), and
// `nft list ruleset` must print what the model means.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"
#include "tests/kernel/backend_helpers.hpp"
#include "tests/kernel/nft_fixture.hpp"
#include "tests/kernel/raw_dump.hpp"

namespace gw::kernel::test {

namespace {

bool kernel_has_bridge_conntrack() {
    static const bool has = [] {
        auto run = run_nft({}, "table bridge gw_probe {\n chain f {\n  type filter hook forward priority filter;\n"
                               "  ct state established accept\n }\n}\n");
        run_nft({"delete", "table", "bridge", "gw_probe"});
        return run.status == 0;
    }();
    return has;
}

// nft 1.0.6 cannot parse `meta broute set 1` (the encoder writes it; the vm
// tier loads it), and a kernel without nf_conntrack_bridge refuses `ct` in a
// bridge table: such lines of a golden are left out here, and it says so.
std::string loadable_here(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    std::string out, line;
    bool bridge = false;
    int dropped = 0;
    bool flowtable = false;
    int offload = 0;
    while (std::getline(in, line)) {
        if (line.rfind("table ", 0) == 0) bridge = line.rfind("table bridge ", 0) == 0;
        bool broute = line.find("meta broute set") != std::string::npos;
        bool bridge_ct = bridge && line.find("ct state") != std::string::npos && !kernel_has_bridge_conntrack();
        if (broute || bridge_ct) {
            ++dropped;
            continue;
        }
        // A flowtable needs nf_flow_table (this host has none) and its links
        // (this namespace has none of them): block and `flow add` go.
        flowtable = flowtable || line.rfind("\tflowtable ", 0) == 0;
        if (flowtable || line.find("flow add @") != std::string::npos) {
            ++offload;
            if (line == "\t}") flowtable = false;
            continue;
        }
        out += line + "\n";
    }
    // A skip line (scripts/test_summary.py counts it): those lines are not checked here.
    if (dropped)
        std::cout << "skip " << std::filesystem::path(name).parent_path().filename().string() << ", "
                  << dropped << " of its lines: this nft cannot parse `meta broute`"
                  << (kernel_has_bridge_conntrack() ? "" : "; this kernel has no nf_conntrack_bridge")
                  << " (the vm tier loads them)\n";
    if (offload)
        std::cout << "skip " << std::filesystem::path(name).parent_path().filename().string() << ", "
                  << offload << " of its lines: a flowtable and `flow add` (no nf_flow_table here, nor the links;"
                  << " the vm tier loads them)\n";
    return out;
}

// Kernel state after `nft -f text`, starting from no gatewayd tables.
std::string state_from_nft(NftNetlink& nft, const std::string& text) {
    apply_ok(nft, nft::Ruleset{});
    auto run = run_nft({}, text);
    REQUIRE_MESSAGE(run.status == 0, run.output);
    return raw_dump();
}

std::string state_from_encoder(NftNetlink& nft, const nft::Ruleset& rs) {
    apply_ok(nft, nft::Ruleset{});
    apply_ok(nft, rs);
    return raw_dump();
}

// Line-by-line comparison that reports the first differing lines.
void check_same_state(const std::string& from_nft, const std::string& from_encoder) {
    std::istringstream a(from_nft), b(from_encoder);
    std::string la, lb;
    int line = 0;
    while (true) {
        bool ga = static_cast<bool>(std::getline(a, la));
        bool gb = static_cast<bool>(std::getline(b, lb));
        ++line;
        if (!ga && !gb) break;
        INFO("line " << line << "\n  nft -f : " << (ga ? la : "<end>") << "\n  encoder: " << (gb ? lb : "<end>"));
        REQUIRE(la == lb);
        if (!ga || !gb) break;
    }
}

bool has_line(const std::string& listing, const std::string& line) {
    std::istringstream in(listing);
    std::string l;
    while (std::getline(in, l)) {
        auto start = l.find_first_not_of("\t ");
        if (start != std::string::npos && l.substr(start) == line) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("nft -f of the same ruleset leaves the kernel in the encoder's state") {
    auto nft = backend();
    auto from_nft = state_from_nft(*nft, full_ruleset_text());
    auto from_encoder = state_from_encoder(*nft, full_ruleset());
    CHECK(from_nft.size() > 2000);  // the dump covers the whole ruleset
    check_same_state(from_nft, from_encoder);
}

// One spelling render_stmt() does not have yet: an exact match on a
// bit-mask key (`ct state == new`); it writes the flag test `ct state new`,
// which is AnyBits. Rules using it are left out of this comparison; the
// encoder's side of them is checked against hand-written nft text above.
bool renderer_lacks(const nft::Stmt& s) {
    const auto* c = std::get_if<nft::Cmp>(&s);
    return c && nft::is_bitmask(c->key);
}

nft::Ruleset renderable(nft::Ruleset rs) {
    for (auto& t : rs.tables)
        for (auto& c : t.chains)
            std::erase_if(c.rules, [](const nft::Rule& r) {
                return std::any_of(r.stmts.begin(), r.stmts.end(), renderer_lacks);
            });
    return rs;
}

TEST_CASE("the renderer's text and the encoder produce the same kernel state") {
    auto nft = backend();
    auto rs = renderable(full_ruleset());
    auto from_nft = state_from_nft(*nft, nft::render_ruleset(rs));
    auto from_encoder = state_from_encoder(*nft, rs);
    check_same_state(from_nft, from_encoder);
}

TEST_CASE("nft list ruleset prints what the model means") {
    auto nft = backend();
    apply_ok(*nft, full_ruleset());
    auto listing = nft_list_ruleset();
    INFO(listing);
    // A few representative rules, in nft's own (dependency-free) spelling.
    for (const char* line : {
             "ct state established,related accept",
             "ct state == new counter packets 0 bytes 0 continue",
             "iifname \"lan0\" oifname != \"wan0\" accept comment \"lan out\"",
             "ip saddr 10.0.0.0/8 ip daddr != 192.168.0.0/23 counter packets 0 bytes 0 accept",
             "ip6 saddr 2001:db8::/64 ip6 daddr 2001:db8::1 accept",
             "udp dport 1000-2000 udp sport != 1-1023 accept",
             "icmp type echo-request limit rate 10/second accept",
             "tcp flags syn tcp option maxseg size set rt mtu",
             "meta l4proto . th dport @svc counter packets 0 bytes 0 accept",
             "ip daddr != @blocked4 accept",
             "iifname . ip saddr @ifaddr accept",
             "meta l4proto . th dport vmap @vm",
             "meta mark 0x00000600 jump inbound",
             "meta l4proto { tcp, udp } th dport { 80, 443, 8000-8080 } accept",
             "ip daddr { 10.0.0.0/8, 192.168.1.1 } accept",
             "limit rate 3/minute burst 1 packets log prefix \"drop: \"",
             "meta l4proto tcp reject with tcp reset",
             "reject with icmpx admin-prohibited",
             "meta mark != 0x00000030-0x00000040 accept",
             "meta l4proto vmap { tcp : accept, udp : drop }",
             "dnat ip to meta l4proto . th dport map @fwd4 comment \"forwards v4\"",
             "tcp dport 8080 dnat ip to 192.168.1.5:80",
             "meta l4proto tcp dnat ip6 to [2001:db8::5]:8080",
             "meta mark set ct mark",
             "oifname \"wan0\" masquerade",
             "ct mark set meta mark",
             "iifname \"port0\" ether type ip6 meta mark set 0x00000600 comment \"mark by port\"",
             "ip saddr 1.2.3.4 accept",
             "typeof meta l4proto . th dport : ip daddr . th dport",
             "elements = { tcp . 80 : 192.168.1.10 . 8080,",
             "tcp . 443 : 192.168.1.11 . 443 }",
         }) {
        CHECK_MESSAGE(has_line(listing, line), line);
    }
}

}  // namespace gw::kernel::test

namespace gw::kernel::test {

// Every golden ruleset the compiler's tests render, loaded with nft itself,
// must decode without anything Opaque and re-encode to the same state.
TEST_CASE("golden rulesets: decoded fully and re-encoded byte for byte") {
    auto nft = backend();
    int cases = 0;
    for (const auto& dir : std::filesystem::directory_iterator(GW_SOURCE_DIR "/tests/golden")) {
        auto path = dir.path() / "expected.nft";
        if (!std::filesystem::exists(path)) continue;
        ++cases;
        INFO(path.string());
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        auto from_nft = state_from_nft(*nft, loadable_here(text.str(), path.string()));
        auto observed = nft->observe();
        REQUIRE(observed.has_value());
        for (const auto& t : observed->tables)
            for (const auto& c : t.chains)
                for (const auto& r : c.rules)
                    for (const auto& s : r.stmts)
                        CHECK_MESSAGE(!std::holds_alternative<nft::Opaque>(s), nft::render_rule(r));
        check_same_state(from_nft, state_from_encoder(*nft, *observed));
    }
    CHECK(cases > 0);
}

}  // namespace gw::kernel::test
