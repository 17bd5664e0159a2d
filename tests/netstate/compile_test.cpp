// compile_netstate(): interfaces, uplink default routes, PPPoE routes that
// follow the session, derived sysctls, and the Loc each object carries.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/netstate/compile.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;
using gw::test::at;

namespace {

config::Config lan_only() {
    config::Config c;
    c.file = "gateway.yaml";
    c.interfaces.push_back(test::routed_lan());
    return c;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

bool has_line(const netstate::NetState& s, const std::string& line) {
    auto all = lines(netstate::render_netstate(s));
    return std::find(all.begin(), all.end(), line) != all.end();
}

const netstate::Sysctl* sysctl(const netstate::NetState& s, const std::string& path) {
    for (const auto& x : s.sysctls)
        if (x.path == path) return &x;
    return nullptr;
}

}  // namespace

TEST_CASE("interfaces: link, addresses and static routes with their lines") {
    auto s = netstate::compile_netstate(lan_only(), {});
    CHECK(netstate::render_netstate(s) ==
          "link lan0 mtu 1400 up\n"
          "address 172.16.2.1/16 dev lan0\n"
          "address fd00:1::1/64 dev lan0\n"
          "route 10.99.0.0/16 via 172.16.0.254 dev lan0 table main metric 0 proto 157\n"
          "route fd00:99::/48 dev lan0 table main metric 1024 proto 157\n"
          "sysctl net.ipv4.conf.lan0.rp_filter = 1\n");
    REQUIRE(s.links.size() == 1);
    CHECK(s.links[0].manage_addresses);
    CHECK(s.links[0].loc.line == 10);
    REQUIRE(s.addresses.size() == 2);
    CHECK(s.addresses[0].loc.line == 12);
    CHECK(s.addresses[1].loc.line == 13);
    REQUIRE(s.routes.size() == 2);
    CHECK(s.routes[0].loc.line == 15);
    CHECK(s.routes[1].loc.line == 17);
}

TEST_CASE("interfaces: a route's host bits are cleared, a missing device is the name") {
    config::Config c;
    auto lan = test::interface("lan", "", {"10.0.0.1/24"}, 1);
    lan.routes.push_back(test::static_route("10.5.5.5/16", "10.0.0.2", 5));
    c.interfaces.push_back(lan);
    auto s = netstate::compile_netstate(c, {});
    CHECK(has_line(s, "link lan up"));
    CHECK(has_line(s, "route 10.5.0.0/16 via 10.0.0.2 dev lan table main metric 0 proto 157"));
}

TEST_CASE("next-hop uplink: default route in its table, and in main with default-route") {
    auto c = lan_only();
    c.interfaces.push_back(test::interface("v6plus-link", "v6p0", {"192.168.1.2/24"}, 20));
    auto up = test::next_hop("v6plus", "v6p0", "192.168.1.1", 30);
    up.metric = {100, at(35)};
    c.uplinks.push_back(up);

    auto s = netstate::compile_netstate(c, {});
    CHECK(has_line(s, "route default via 192.168.1.1 dev v6p0 table 1000 metric 100 proto 157"));
    CHECK_FALSE(has_line(s, "route default via 192.168.1.1 dev v6p0 table main metric 100 proto 157"));

    c.uplinks[0].default_route = {true, at(36)};
    s = netstate::compile_netstate(c, {});
    CHECK(has_line(s, "route default via 192.168.1.1 dev v6p0 table 1000 metric 100 proto 157"));
    CHECK(has_line(s, "route default via 192.168.1.1 dev v6p0 table main metric 100 proto 157"));
    for (const auto& r : s.routes) {
        if (r.destination.length != 0) continue;
        CHECK(r.protocol == netstate::kRouteProtocol);
        CHECK(r.loc.line == (r.table == netstate::kTableMain ? 36 : 33));  // default-route / gateway
    }
    // v6p0 is listed under interfaces, so it stays one link that manages its addresses.
    CHECK(std::count_if(s.links.begin(), s.links.end(),
                        [](const netstate::Link& l) { return l.name == "v6p0"; }) == 1);
    CHECK(s.find_link("v6p0")->manage_addresses);
}

TEST_CASE("next-hop uplink: gateway6, explicit tables and routing.default") {
    config::Config c;
    auto a = test::next_hop("a", "eth1", "192.0.2.1", 1);
    a.gateway6 = config::Located<net::Address>{test::address("2001:db8::1"), at(6)};
    auto b = test::next_hop("b", "eth2", "198.51.100.1", 10);
    b.table = config::Located<std::uint32_t>{1000, at(15)};
    c.uplinks = {a, b};
    c.routing.default_uplink = config::Name{"a", at(20)};

    auto tables = netstate::uplink_tables(c);
    CHECK(tables.at("b") == 1000);
    CHECK(tables.at("a") == 1001);  // 1000 is taken by b

    auto s = netstate::compile_netstate(c, {});
    CHECK(has_line(s, "route default via 192.0.2.1 dev eth1 table 1001 metric 0 proto 157"));
    CHECK(has_line(s, "route default via 192.0.2.1 dev eth1 table main metric 0 proto 157"));
    CHECK(has_line(s, "route ::/0 via 2001:db8::1 dev eth1 table 1001 metric 1024 proto 157"));
    CHECK(has_line(s, "route ::/0 via 2001:db8::1 dev eth1 table main metric 1024 proto 157"));
    CHECK(has_line(s, "route default via 198.51.100.1 dev eth2 table 1000 metric 0 proto 157"));
    CHECK_FALSE(has_line(s, "route default via 198.51.100.1 dev eth2 table main metric 0 proto 157"));
    // Devices not under `interfaces` are kept up but their addresses are not ours.
    REQUIRE(s.find_link("eth1"));
    CHECK(s.find_link("eth1")->up);
    CHECK_FALSE(s.find_link("eth1")->manage_addresses);
}

TEST_CASE("pppoe uplink: default route only while the session has an address") {
    config::Config c;
    auto isp = test::pppoe("isp", "wan0", 40);
    isp.default_route = {true, at(47)};
    isp.metric = {50, at(48)};
    c.uplinks.push_back(isp);

    rules::Facts down;
    auto s = netstate::compile_netstate(c, down);
    CHECK(s.routes.empty());
    CHECK(has_line(s, "link wan0 up"));
    CHECK_FALSE(s.find_link("wan0")->manage_addresses);
    CHECK_FALSE(s.find_link("isp"));  // pppd's link is not gatewayd's to manage
    CHECK_FALSE(sysctl(s, "net/ipv6/conf/isp/accept_ra"));

    rules::Facts up;
    up.uplink_addresses["isp"] = {test::address("203.0.113.7")};
    s = netstate::compile_netstate(c, up);
    CHECK(has_line(s, "route default dev isp table 1000 metric 50 proto 157"));
    CHECK(has_line(s, "route default dev isp table main metric 50 proto 157"));
    REQUIRE(sysctl(s, "net/ipv6/conf/isp/accept_ra"));
    CHECK(sysctl(s, "net/ipv6/conf/isp/accept_ra")->value == "2");

    up.uplink_ifnames["isp"] = "ppp0";
    s = netstate::compile_netstate(c, up);
    CHECK(has_line(s, "route default dev ppp0 table main metric 50 proto 157"));
    CHECK(has_line(s, "sysctl net.ipv6.conf.ppp0.accept_ra = 2"));

    rules::Facts v6_only;
    v6_only.uplink_addresses["isp"] = {test::address("2001:db8:5::1")};
    s = netstate::compile_netstate(c, v6_only);
    CHECK(s.routes.empty());  // no IPv4 on the session: no IPv4 default through it
}

TEST_CASE("sysctls: forwarding only when routing between zones or NATing") {
    auto c = lan_only();
    c.zones.push_back(test::zone("lan", {"lan"}, {}, 50));
    auto s = netstate::compile_netstate(c, {});
    CHECK_FALSE(sysctl(s, "net/ipv4/ip_forward"));
    CHECK_FALSE(sysctl(s, "net/ipv6/conf/all/forwarding"));

    c.nat.masquerade.push_back(test::masquerade("lan", "wan", 60));
    s = netstate::compile_netstate(c, {});
    REQUIRE(sysctl(s, "net/ipv4/ip_forward"));
    CHECK(sysctl(s, "net/ipv4/ip_forward")->value == "1");
    CHECK(sysctl(s, "net/ipv4/ip_forward")->loc.line == 60);
    CHECK(sysctl(s, "net/ipv6/conf/all/forwarding")->value == "1");

    c.nat.masquerade.clear();
    c.zones.push_back(test::zone("wan", {}, {"isp"}, 55));
    s = netstate::compile_netstate(c, {});
    REQUIRE(sysctl(s, "net/ipv4/ip_forward"));
    CHECK(sysctl(s, "net/ipv4/ip_forward")->loc.line == 55);
}

TEST_CASE("sysctls: accept_ra on uplinks, rp_filter strict inside, loose with several uplinks") {
    auto c = lan_only();
    c.uplinks.push_back(test::next_hop("v6plus", "v6p0", "192.168.1.1", 30));
    auto s = netstate::compile_netstate(c, {});
    CHECK(sysctl(s, "net/ipv6/conf/v6p0/accept_ra")->value == "2");
    CHECK(sysctl(s, "net/ipv4/conf/v6p0/rp_filter")->value == "1");
    CHECK(sysctl(s, "net/ipv4/conf/lan0/rp_filter")->value == "1");

    c.uplinks.push_back(test::pppoe("isp", "wan0", 40));
    rules::Facts facts;
    facts.uplink_addresses["isp"] = {test::address("203.0.113.7")};
    s = netstate::compile_netstate(c, facts);
    CHECK(sysctl(s, "net/ipv4/conf/v6p0/rp_filter")->value == "2");
    CHECK(sysctl(s, "net/ipv4/conf/isp/rp_filter")->value == "2");
    CHECK(sysctl(s, "net/ipv4/conf/lan0/rp_filter")->value == "1");
    CHECK(sysctl(s, "net/ipv4/conf/isp/rp_filter")->loc.line == 40);
}

TEST_CASE("compile is deterministic") {
    auto c = lan_only();
    c.uplinks.push_back(test::next_hop("v6plus", "v6p0", "192.168.1.1", 30));
    CHECK(netstate::render_netstate(netstate::compile_netstate(c, {})) ==
          netstate::render_netstate(netstate::compile_netstate(c, {})));
}
