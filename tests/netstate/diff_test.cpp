// render_netstate() text and diff_netstate(): what is added, changed and
// removed, that only gatewayd's own objects are ever removed, and the order
// operations run in.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/netstate/diff.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;
using namespace gw::netstate;
using gw::test::address;
using gw::test::prefix;

namespace {

Route route(const std::string& dst, const std::string& via, const std::string& dev,
            std::uint32_t table = kTableMain, std::uint8_t proto = kRouteProtocol) {
    Route r;
    r.destination = prefix(dst);
    if (!via.empty()) r.gateway = address(via);
    r.ifname = dev;
    r.table = table;
    r.protocol = proto;
    if (r.family() == net::Family::ipv6) r.metric = 1024;
    return r;
}

Rule rule(std::uint32_t priority, std::uint32_t table) {
    Rule r;
    r.priority = priority;
    r.table = table;
    return r;
}

// What gatewayd wants on a small box: lan0 managed, wan0 only kept up.
NetState desired() {
    NetState s;
    s.links.push_back({.name = "lan0", .mtu = 1500, .up = true, .manage_addresses = true, .loc = test::at(3)});
    s.links.push_back({.name = "wan0", .up = true, .manage_addresses = false});
    s.addresses.push_back({"lan0", prefix("172.16.2.1/16"), test::at(5)});
    s.routes.push_back(route("0.0.0.0/0", "192.168.1.1", "wan0"));
    s.sysctls.push_back({"net/ipv4/ip_forward", "1", {}});
    return s;
}

// The kernel as observe would report it with everything in place.
NetState converged() {
    NetState s = desired();
    for (auto& l : s.links) l.loc = {};
    s.links[1].mtu = 1500;  // observed links carry every field
    s.links[0].kind = "veth";
    s.links[1].master = "";
    return s;
}

}  // namespace

TEST_CASE("render: one line per object, sorted, ip-like") {
    NetState s;
    s.sysctls.push_back({"net/ipv4/conf/eth0.5/rp_filter", "2", {}});
    s.sysctls.push_back({"net/ipv4/ip_forward", "1", {}});
    Rule r = rule(10001, 1000);
    r.fwmark = 0x1;
    r.fwmask = 0xff;
    s.rules.push_back(r);
    Rule from = rule(10000, 0);
    from.from = prefix("172.16.1.100/32");
    from.action = RuleAction::blackhole;
    s.rules.push_back(from);
    Route bh = route("10.0.0.0/8", "", "", 1000);
    bh.type = RouteType::unreachable;
    s.routes.push_back(bh);
    s.routes.push_back(route("0.0.0.0/0", "192.168.1.1", "v6p0"));
    s.routes.push_back(route("::/0", "fe80::1", "v6p0"));
    s.addresses.push_back({"lan0", prefix("fd00::1/64"), {}});
    s.addresses.push_back({"lan0", prefix("172.16.2.1/16"), {}});
    s.links.push_back({.name = "lan0", .up = true});
    s.links.push_back({.name = "br0", .kind = "bridge", .mtu = 1500, .up = true});
    s.links.push_back({.name = "eth1", .master = "br0", .up = false});

    CHECK(render_netstate(s) ==
          "link br0 type bridge mtu 1500 up\n"
          "link eth1 master br0 down\n"
          "link lan0 up\n"
          "address 172.16.2.1/16 dev lan0\n"
          "address fd00::1/64 dev lan0\n"
          "route default via 192.168.1.1 dev v6p0 table main metric 0 proto 157\n"
          "route unreachable 10.0.0.0/8 table 1000 metric 0 proto 157\n"
          "route ::/0 via fe80::1 dev v6p0 table main metric 1024 proto 157\n"
          "rule pref 10000 from 172.16.1.100/32 blackhole\n"
          "rule pref 10001 from all fwmark 0x1/0xff lookup 1000\n"
          "sysctl net.ipv4.conf.eth0/5.rp_filter = 2\n"
          "sysctl net.ipv4.ip_forward = 1\n");
}

TEST_CASE("diff: converged state gives no operations") {
    auto d = diff_netstate(desired(), converged());
    CHECK(d.empty());
    CHECK(d.text.empty());
}

TEST_CASE("diff: an empty kernel needs everything added, in dependency order") {
    auto d = diff_netstate(desired(), {});
    CHECK(d.text ==
          "+link lan0 mtu 1500 up\n"
          "+link wan0 up\n"
          "+sysctl net.ipv4.ip_forward = 1\n"
          "+address 172.16.2.1/16 dev lan0\n"
          "+route default via 192.168.1.1 dev wan0 table main metric 0 proto 157\n");
    REQUIRE(d.ops.size() == 5);
    CHECK(d.ops[0].loc().line == 3);
    CHECK(d.ops[3].loc().line == 5);
}

TEST_CASE("diff: changes show the observed value and then the wanted one") {
    NetState seen = converged();
    seen.links[0].up = false;
    seen.links[0].mtu = 9000;
    seen.routes[0].gateway = address("192.168.1.254");
    seen.sysctls[0].value = "0";
    auto d = diff_netstate(desired(), seen);
    CHECK(d.text ==
          "-link lan0 mtu 9000 down\n"
          "+link lan0 mtu 1500 up\n"
          "-sysctl net.ipv4.ip_forward = 0\n"
          "+sysctl net.ipv4.ip_forward = 1\n"
          "-route default via 192.168.1.254 dev wan0 table main metric 0 proto 157\n"
          "+route default via 192.168.1.1 dev wan0 table main metric 0 proto 157\n");
    for (const auto& op : d.ops) CHECK(op.kind == OpKind::change);
}

TEST_CASE("diff: a link field the config leaves open is never a change") {
    NetState seen = converged();
    seen.links[1].mtu = 9000;        // wan0: no mtu wanted
    seen.links[1].master = "br9";    // no master wanted
    CHECK(diff_netstate(desired(), seen).empty());
}

TEST_CASE("diff: only owned objects are removed") {
    NetState seen = converged();
    // Stale, and gatewayd's: removed.
    seen.addresses.push_back({"lan0", prefix("172.16.9.9/16"), {}});
    seen.routes.push_back(route("10.77.0.0/16", "", "lan0"));
    seen.rules.push_back(rule(10500, 1000));
    // Not gatewayd's: left alone even though observe handed them over.
    seen.addresses.push_back({"lan0", prefix("fe80::1/64"), {}});        // link-local
    seen.addresses.push_back({"wan0", prefix("198.51.100.2/24"), {}});   // link not managed for addresses
    seen.addresses.push_back({"eth9", prefix("10.9.9.1/24"), {}});       // link the config does not name
    seen.routes.push_back(route("10.50.0.0/16", "172.16.0.1", "lan0", kTableMain, 4));  // proto static
    seen.rules.push_back(rule(500, 100));                                 // outside the band
    seen.rules.push_back(rule(32766, kTableMain));

    auto d = diff_netstate(desired(), seen);
    CHECK(d.text ==
          "-rule pref 10500 from all lookup 1000\n"
          "-route 10.77.0.0/16 dev lan0 table main metric 0 proto 157\n"
          "-address 172.16.9.9/16 dev lan0\n");
    for (const auto& op : d.ops) {
        CHECK(op.kind == OpKind::remove);
        CHECK_FALSE(op.loc().known());
    }
}

TEST_CASE("diff: a new prefix length is a new address, the old one goes") {
    NetState want = desired();
    want.addresses[0].prefix = prefix("172.16.2.1/24");
    auto d = diff_netstate(want, converged());
    CHECK(d.text ==
          "-address 172.16.2.1/16 dev lan0\n"
          "+address 172.16.2.1/24 dev lan0\n");
}

TEST_CASE("order: removals of routes come before address removals, additions after") {
    NetState want = desired();
    want.rules.push_back(rule(10000, 1000));
    want.addresses[0].prefix = prefix("172.16.3.1/16");
    want.routes[0].gateway = address("172.16.0.1");
    want.routes[0].ifname = "lan0";
    NetState seen = converged();
    seen.routes.push_back(route("10.77.0.0/16", "", "lan0"));
    auto d = diff_netstate(want, seen);
    std::vector<int> phases;
    for (const auto& op : d.ops) phases.push_back(op_phase(op));
    CHECK(std::is_sorted(phases.begin(), phases.end()));
    CHECK(d.text ==
          "-route 10.77.0.0/16 dev lan0 table main metric 0 proto 157\n"
          "-address 172.16.2.1/16 dev lan0\n"
          "+address 172.16.3.1/16 dev lan0\n"
          "-route default via 192.168.1.1 dev wan0 table main metric 0 proto 157\n"
          "+route default via 172.16.0.1 dev lan0 table main metric 0 proto 157\n"
          "+rule pref 10000 from all lookup 1000\n");
}

TEST_CASE("diff: duplicate wanted objects collapse to the first") {
    NetState want = desired();
    want.addresses.push_back(want.addresses[0]);
    auto d = diff_netstate(want, {});
    CHECK(std::count_if(d.ops.begin(), d.ops.end(), [](const NetOp& op) {
              return std::holds_alternative<Address>(op.object);
          }) == 1);
}
