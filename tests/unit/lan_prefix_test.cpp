// The /64 a LAN link takes out of a delegated prefix, and radvd's file as
// the delegation changes.
#include <doctest/doctest.h>

#include "rules/config/parse.hpp"
#include "rules/ipv6/delegation.hpp"
#include "rules/ipv6/radvd_conf.hpp"

using namespace gw;

namespace {

net::Prefix pfx(const char* s) { return *net::Prefix::parse(s); }

}  // namespace

TEST_CASE("lan_prefix: subnet-id fills the bits between the delegation and /64") {
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200::/56"), 0) == pfx("2001:db8:1200::/64"));
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200::/56"), 1) == pfx("2001:db8:1200:1::/64"));
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200::/56"), 255) == pfx("2001:db8:1200:ff::/64"));
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200::/48"), 0x1234) == pfx("2001:db8:1200:1234::/64"));
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200:ab00::/60"), 0xf) == pfx("2001:db8:1200:ab0f::/64"));
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1:2::/64"), 0) == pfx("2001:db8:1:2::/64"));
    // Host bits in what the server sent do not leak into the LAN prefix.
    CHECK(ipv6::lan_prefix(pfx("2001:db8:1200:7::5/56"), 1) == pfx("2001:db8:1200:1::/64"));
}

TEST_CASE("lan_prefix: a subnet-id the delegation cannot hold gives none") {
    CHECK_FALSE(ipv6::lan_prefix(pfx("2001:db8:1200::/56"), 256));
    CHECK_FALSE(ipv6::lan_prefix(pfx("2001:db8:1200::/60"), 16));
    CHECK_FALSE(ipv6::lan_prefix(pfx("2001:db8:1:2::/64"), 1));
    CHECK_FALSE(ipv6::lan_prefix(pfx("2001:db8:1:2::/72"), 0));
    CHECK_FALSE(ipv6::lan_prefix(pfx("10.0.0.0/8"), 0));
}

TEST_CASE("router_address is ::1 of the /64") {
    CHECK(ipv6::router_address(pfx("2001:db8:1200:1::/64")) == pfx("2001:db8:1200:1::1/64"));
}

namespace {

// One LAN taking the /64 `subnet_id` of the uplink isp's delegation (asked as a /56).
config::ParseResult lan_from_isp(int subnet_id) {
    return config::parse_config(R"(version: 1
interfaces:
  lan: {device: lan0, ipv6: {delegate: {from: isp, subnet-id: )" + std::to_string(subnet_id) + R"(}}}
uplinks:
  isp: {kind: next-hop, device: wan0, gateway: 198.51.100.1, dhcpv6-pd: {size-hint: 56}}
)", "t.yaml");
}

}  // namespace

TEST_CASE("radvd: nothing to announce before a delegation; a smaller delegation than asked skips the link") {
    auto parsed = lan_from_isp(17);
    REQUIRE(parsed.config);
    rules::Facts facts;
    CHECK(ipv6::render_radvd_conf(*parsed.config, facts).empty());
    facts.delegations["isp"] = {pfx("2001:db8:1200::/60"), 0, 0, {}, {}};
    CHECK(ipv6::render_radvd_conf(*parsed.config, facts).empty());
    facts.delegations["isp"] = {pfx("2001:db8:1200::/56"), 0, 0, {}, {pfx("2001:db8:1100::/56")}};
    auto text = ipv6::render_radvd_conf(*parsed.config, facts);
    CHECK(text.find("prefix 2001:db8:1200:11::/64") != std::string::npos);
    CHECK(text.find("AdvValidLifetime 86400;") != std::string::npos);  // none in the lease: the default
    CHECK(text.find("prefix 2001:db8:1100:11::/64") != std::string::npos);
    CHECK(text.find("AdvValidLifetime 0;") != std::string::npos);
    CHECK(text.find("AdvDefaultLifetime") == std::string::npos);  // radvd's default: a router
}

TEST_CASE("radvd: a delegation that is gone still deprecates its prefix, and the gateway stops being a router") {
    auto parsed = lan_from_isp(1);
    REQUIRE(parsed.config);
    rules::Facts facts;
    facts.delegations["isp"] = {std::nullopt, 0, 0, {}, {pfx("2001:db8:1200::/56")}};
    auto text = ipv6::render_radvd_conf(*parsed.config, facts);
    CHECK(text.find("prefix 2001:db8:1200:1::/64") != std::string::npos);
    CHECK(text.find("AdvPreferredLifetime 0;") != std::string::npos);
    // RFC 7084 G-4: no way out by IPv6, so no default route through the gateway.
    CHECK(text.find("AdvDefaultLifetime 0;") != std::string::npos);
    auto lans = ipv6::lan_prefixes(*parsed.config, facts);
    REQUIRE(lans.size() == 1);
    CHECK_FALSE(lans[0].prefix);
}
