// MAP-E arithmetic against published examples: RFC 7597 Appendix A
// (example 1) and the v6plus rule 240b:10::/31 <-> 106.72.0.0/15, EA-bits
// 25, PSID offset 4 (its PSID length 8 follows), for several PSIDs, in both
// interface-ID layouts, and the edges of a port set.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "rules/mape/map_rule.hpp"

using namespace gw::mape;
namespace net = gw::net;

namespace {

net::Prefix pfx(const char* s) { return *net::Prefix::parse(s); }
net::Address addr(const char* s) { return *net::Address::parse(s); }

MapRule rfc_example() { return {pfx("2001:db8::/40"), pfx("192.0.2.0/24"), 16, 6, Layout::rfc7597}; }
MapRule v6plus(Layout layout = Layout::legacy) {
    return {pfx("240b:10::/31"), pfx("106.72.0.0/15"), 25, 4, layout};
}

}  // namespace

TEST_CASE("RFC 7597 example 1: 2001:db8:12:3400::/56 is 192.0.2.18, PSID 0x34, ports 1232-1235 ... 64720-64723") {
    auto ce = derive_ce(rfc_example(), pfx("2001:db8:12:3400::/56"));
    REQUIRE(ce);
    CHECK(ce->ipv4 == addr("192.0.2.18"));
    CHECK(ce->psid == 0x34);
    CHECK(rfc_example().psid_length() == 8);
    REQUIRE(ce->blocks.size() == 63);
    CHECK(ce->blocks.front() == PortBlock{1232, 1235});
    CHECK(ce->blocks[1] == PortBlock{2256, 2259});
    CHECK(ce->blocks.back() == PortBlock{64720, 64723});
    CHECK(ce->port_count() == 252);
    // "The MAP CE's IPv6 address: 2001:db8:0012:3400:0000:c000:0212:0034"
    CHECK(ce->ipv6 == addr("2001:db8:12:3400:0:c000:212:34"));
    CHECK(ce->end_user == pfx("2001:db8:12:3400::/56"));
    // The BR's view: any port of the set names the same PSID.
    CHECK(psid_of_port(rfc_example(), 1232) == 0x34);
    CHECK(psid_of_port(rfc_example(), 64723) == 0x34);
    CHECK(psid_of_port(rfc_example(), 1236) != 0x34);
}

TEST_CASE("a longer live prefix (a /64 from RA) derives the same CE as its /56") {
    auto from64 = derive_ce(rfc_example(), pfx("2001:db8:12:3456::/64"));
    auto from_addr = derive_ce(rfc_example(), pfx("2001:db8:12:34ff:1:2:3:4/128"));
    REQUIRE(from64);
    REQUIRE(from_addr);
    CHECK(from64->ipv6 == addr("2001:db8:12:3400:0:c000:212:34"));
    CHECK(from_addr->ipv6 == from64->ipv6);
}

TEST_CASE("v6plus: 240b:11:2345:6700::/56 is 106.73.35.69 PSID 0x67, 15 blocks of 16 ports") {
    auto ce = derive_ce(v6plus(), pfx("240b:11:2345:6700::/56"));
    REQUIRE(ce);
    CHECK(v6plus().psid_length() == 8);
    CHECK(v6plus().end_user_length() == 56);
    CHECK(ce->ipv4 == addr("106.73.35.69"));
    CHECK(ce->psid == 0x67);
    REQUIRE(ce->blocks.size() == 15);
    for (std::size_t i = 0; i < ce->blocks.size(); ++i) {
        // port = (A << 12) | (psid << 4) | j
        auto first = static_cast<std::uint16_t>(((i + 1) << 12) | (0x67u << 4));
        CHECK(ce->blocks[i] == PortBlock{first, static_cast<std::uint16_t>(first + 15)});
    }
    CHECK(ce->blocks.front() == PortBlock{5744, 5759});
    CHECK(ce->blocks.back() == PortBlock{63088, 63103});
    CHECK(ce->port_count() == 240);
    CHECK(ce->holds_port(5744));
    CHECK(ce->holds_port(63103));
    CHECK_FALSE(ce->holds_port(5743));
    CHECK_FALSE(ce->holds_port(5760));
    CHECK_FALSE(ce->holds_port(1648));  // block 0 (ports 0-4095) belongs to nobody
    CHECK_FALSE(ce->holds_port(443));
}

TEST_CASE("v6plus: both interface-ID layouts of the same CE") {
    auto legacy = derive_ce(v6plus(Layout::legacy), pfx("240b:11:2345:6700::/56"));
    auto rfc = derive_ce(v6plus(Layout::rfc7597), pfx("240b:11:2345:6700::/56"));
    REQUIRE(legacy);
    REQUIRE(rfc);
    // draft-03: 8 zero bits | 106.73.35.69 | PSID 0x0067 | 8 zero bits
    CHECK(legacy->ipv6 == addr("240b:11:2345:6700:6a:4923:4500:6700"));
    // RFC 7597: 16 zero bits | 106.73.35.69 | PSID 0x0067
    CHECK(rfc->ipv6 == addr("240b:11:2345:6700:0:6a49:2345:67"));
    CHECK(legacy->ipv4 == rfc->ipv4);
    CHECK(legacy->blocks == rfc->blocks);
}

TEST_CASE("v6plus: several PSIDs, the first and last of the rule") {
    struct Case {
        const char* prefix;
        const char* ipv4;
        std::uint32_t psid;
        PortBlock first;
        PortBlock last;
        const char* ce_legacy;
    };
    const Case cases[] = {
        {"240b:10::/56", "106.72.0.0", 0x00, {4096, 4111}, {61440, 61455}, "240b:10::6a:4800:0:0"},
        {"240b:10:ff:ff00::/56", "106.72.0.255", 0xff, {8176, 8191}, {65520, 65535},
         "240b:10:ff:ff00:6a:4800:ff00:ff00"},
        {"240b:10:8000:100::/56", "106.72.128.0", 0x01, {4112, 4127}, {61456, 61471},
         "240b:10:8000:100:6a:4880:0:100"},
        {"240b:11:ffff:ff00::/56", "106.73.255.255", 0xff, {8176, 8191}, {65520, 65535},
         "240b:11:ffff:ff00:6a:49ff:ff00:ff00"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.prefix);
        auto ce = derive_ce(v6plus(), pfx(c.prefix));
        REQUIRE(ce);
        CHECK(ce->ipv4 == addr(c.ipv4));
        CHECK(ce->psid == c.psid);
        CHECK(ce->blocks.front() == c.first);
        CHECK(ce->blocks.back() == c.last);
        CHECK(ce->ipv6 == addr(c.ce_legacy));
        for (const auto& b : ce->blocks) {
            CHECK(psid_of_port(v6plus(), b.first) == c.psid);
            CHECK(psid_of_port(v6plus(), b.last) == c.psid);
        }
    }
}

TEST_CASE("a prefix outside the rule or shorter than the end-user prefix derives nothing") {
    CHECK_FALSE(derive_ce(v6plus(), pfx("240b:12::/56")));
    CHECK_FALSE(derive_ce(v6plus(), pfx("240b:11:2345::/48")));
    CHECK_FALSE(derive_ce(v6plus(), pfx("106.72.0.0/15")));
}

TEST_CASE("port-set edges: offset 0 skips port 0, a 0-bit PSID keeps every port past block 0") {
    MapRule a0{pfx("2001:db8::/40"), pfx("192.0.2.0/24"), 16, 0, Layout::rfc7597};  // q 8, m 8
    auto zero = port_blocks(a0, 0);
    REQUIRE(zero.size() == 1);
    CHECK(zero[0] == PortBlock{1, 255});
    CHECK(port_blocks(a0, 0xff) == std::vector<PortBlock>{{65280, 65535}});
    MapRule whole{pfx("2001:db8::/40"), pfx("192.0.2.0/24"), 8, 6, Layout::rfc7597};  // q 0
    auto all = port_blocks(whole, 0);
    REQUIRE(all.size() == 63);
    CHECK(all.front() == PortBlock{1024, 2047});
    CHECK(all.back() == PortBlock{64512, 65535});
    MapRule full{pfx("2001:db8::/40"), pfx("192.0.2.0/24"), 24, 0, Layout::rfc7597};  // q 16: one port
    CHECK(port_blocks(full, 0x1234) == std::vector<PortBlock>{{0x1234, 0x1234}});
    CHECK(port_blocks(full, 0).empty());  // that PSID's only port would be 0
}

TEST_CASE("rule checks: EA-bits past /64, too few for the IPv4 suffix, PSID too long or misstated") {
    using W = RuleProblem::What;
    CHECK_FALSE(check_rule(v6plus(), std::nullopt));
    CHECK_FALSE(check_rule(v6plus(), 8));
    auto past = check_rule({pfx("240b:10::/48"), pfx("106.72.0.0/15"), 25, 4, Layout::legacy}, std::nullopt);
    REQUIRE(past);
    CHECK(past->what == W::ea_bits_past_64);
    auto short_ea = check_rule({pfx("240b:10::/31"), pfx("106.72.0.0/15"), 16, 4, Layout::legacy}, std::nullopt);
    REQUIRE(short_ea);
    CHECK(short_ea->what == W::ea_bits_too_short);
    auto mismatch = check_rule(v6plus(), 6);
    REQUIRE(mismatch);
    CHECK(mismatch->what == W::psid_length_mismatch);
    CHECK(mismatch->hint == "leave psid-length out (it follows from the rule) or write 8");
    auto too_long = check_rule({pfx("240b:10::/31"), pfx("106.72.0.0/15"), 25, 10, Layout::legacy}, std::nullopt);
    REQUIRE(too_long);
    CHECK(too_long->what == W::psid_too_long);
}

TEST_CASE("render_blocks lists the runs for status") {
    CHECK(render_blocks({{5744, 5759}, {9840, 9855}}) == "5744-5759, 9840-9855");
}

TEST_CASE("spread_ports: every port once, consecutive ports from different blocks") {
    auto ce = derive_ce(v6plus(), pfx("240b:11:2345:6700::/56"));
    REQUIRE(ce);
    auto ports = spread_ports(ce->blocks);
    REQUIRE(ports.size() == 240);
    CHECK(ports[0] == 5744);
    CHECK(ports[1] == 9840);
    CHECK(ports[14] == 63088);
    CHECK(ports[15] == 5745);
    CHECK(ports[239] == 63103);
    std::vector<std::uint16_t> sorted = ports;
    std::sort(sorted.begin(), sorted.end());
    CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
    for (auto p : ports) CHECK(ce->holds_port(p));
    // Any 15 consecutive picks cover all 15 blocks.
    for (std::size_t start = 0; start + 15 <= ports.size(); start += 15) {
        std::set<std::uint32_t> blocks;
        for (std::size_t i = start; i < start + 15; ++i) blocks.insert(ports[i] >> 12);
        CHECK(blocks.size() == 15);
    }
    CHECK(ports_per_ce(v6plus()) == 240);
    CHECK(ports_per_ce(rfc_example()) == 252);
}
