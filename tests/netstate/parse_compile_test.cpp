// From gateway.yaml text through parse_config() to the netlink state: the
// objects come out as the language contract says, each pointing back at
// the line that asked for it; the story examples compile as expected.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "rules/config/parse.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"
#include "tests/netstate/parse_text.hpp"

using namespace gw;

namespace {

using test::parse;

std::string read_example(const std::string& name) {
    const char* dir = std::getenv("GW_EXAMPLES_DIR");
    REQUIRE(dir);
    std::ifstream in(std::string(dir) + "/" + name);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const char* kTwoUplinks = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16, "fd00:1::1/64"]
    mtu: 1500
    routes:
      - to: 10.99.0.0/16
        via: 172.16.0.254
  v6plus-link:
    device: v6p0
    addresses: [192.168.1.2/24]
uplinks:
  v6plus:
    kind: next-hop
    device: v6p0
    gateway: 192.168.1.1
    default-route: true
    metric: 100
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
    table: 200
zones:
  lan:
    interfaces: [lan]
  wan:
    uplinks: [v6plus, isp]
)";

}  // namespace

TEST_CASE("parsed config: every object and the line it came from") {
    auto cfg = parse(kTwoUplinks);
    rules::Facts facts;
    facts.uplink_addresses["isp"] = {test::address("203.0.113.7")};
    auto s = netstate::compile_netstate(cfg, facts);
    CHECK(netstate::render_netstate(s) ==
          "link lan0 mtu 1500 up\n"
          "link v6p0 up\n"
          "link wan0 up\n"
          "address 172.16.2.1/16 dev lan0\n"
          "address fd00:1::1/64 dev lan0\n"
          "address 192.168.1.2/24 dev v6p0\n"
          "route default dev isp table 200 metric 0 proto 157\n"
          "route default via 192.168.1.1 dev v6p0 table main metric 100 proto 157\n"
          "route 10.99.0.0/16 via 172.16.0.254 dev lan0 table main metric 0 proto 157\n"
          "route default via 192.168.1.1 dev v6p0 table 1000 metric 100 proto 157\n"
          "rule pref 10000 from all lookup main suppress_prefixlength 0\n"
          "rule pref 10100 from all fwmark 0x10000/0xff0000 lookup 1000\n"
          "rule pref 10101 from all fwmark 0x20000/0xff0000 lookup 200\n"
          "rule pref 10200 from 192.168.1.2/32 lookup 1000\n"
          "rule pref 10201 from 203.0.113.7/32 lookup 200\n"
          "sysctl net.ipv4.conf.all.src_valid_mark = 1\n"
          "sysctl net.ipv4.conf.isp.rp_filter = 2\n"
          "sysctl net.ipv4.conf.lan0.rp_filter = 1\n"
          "sysctl net.ipv4.conf.v6p0.rp_filter = 2\n"
          "sysctl net.ipv4.ip_forward = 1\n"
          "sysctl net.ipv6.conf.all.forwarding = 1\n"
          "sysctl net.ipv6.conf.isp.accept_ra = 2\n"
          "sysctl net.ipv6.conf.v6p0.accept_ra = 2\n");

    for (const auto& a : s.addresses) {
        if (a.prefix.str() == "172.16.2.1/16") CHECK(a.loc.line == 5);
        if (a.prefix.str() == "192.168.1.2/24") CHECK(a.loc.line == 12);
    }
    for (const auto& r : s.routes) {
        if (r.destination.length != 0) {
            CHECK(r.loc.line == 8);  // the `- to:` entry
        } else if (r.ifname == "v6p0") {
            CHECK(r.loc.line == (r.table == netstate::kTableMain ? 18 : 17));  // default-route / gateway
        } else {
            CHECK(r.loc.line == 20);  // the isp uplink
        }
    }
}

TEST_CASE("example home-router: PPPoE default route follows the session") {
    auto cfg = parse(read_example("home-router.yaml"));
    auto down = netstate::render_netstate(netstate::compile_netstate(cfg, {}));
    CHECK(down ==
          "link lan0 up\n"
          "link wan0 up\n"
          "address 172.16.2.1/16 dev lan0\n"
          "sysctl net.ipv4.conf.lan0.rp_filter = 1\n"
          "sysctl net.ipv4.ip_forward = 1\n"
          "sysctl net.ipv6.conf.all.forwarding = 1\n");

    rules::Facts up;
    up.uplink_addresses["isp"] = {test::address("203.0.113.7")};
    auto s = netstate::render_netstate(netstate::compile_netstate(cfg, up));
    CHECK(s.find("route default dev isp table main metric 0 proto 157\n") != std::string::npos);
    CHECK(s.find("route default dev isp table 1000 metric 0 proto 157\n") != std::string::npos);
    CHECK(s.find("sysctl net.ipv4.conf.isp.rp_filter = 1\n") != std::string::npos);
}

TEST_CASE("example coexistence: everyday IPv4 through v6plus (routing.default)") {
    auto cfg = parse(read_example("coexistence.yaml"));
    auto s = netstate::render_netstate(netstate::compile_netstate(cfg, {}));
    CHECK(s.find("route default via 192.168.1.1 dev v6p0 table main metric 0 proto 157\n") !=
          std::string::npos);
    CHECK(s.find("route default via 192.168.1.1 dev v6p0 table 1000 metric 0 proto 157\n") !=
          std::string::npos);
    CHECK(s.find("dev isp") == std::string::npos);  // PPPoE is down: nothing through it
    CHECK(s.find("address 192.168.1.2/24 dev v6p0\n") != std::string::npos);
}
