// The policy rules of `routing` through the libnl backend and the real
// kernel: they land in the band in order (suppress_prefixlength included,
// which libnl cannot say by itself), observe gives back exactly what was
// applied, and a reconnect's new address replaces the old rule. Each case
// runs in a fresh network namespace; ip(8) is the independent witness.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "tests/kernel/net_sync.hpp"
#include "daemon/kernel/rtnl/sysctl.hpp"
#include "rules/config/parse.hpp"
#include "rules/netstate/compile.hpp"
#include "tests/netstate/shell.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;

using gw::test::contains;
using gw::test::output;
using gw::test::run;

namespace {


const char* kConfig = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
  v6plus-link:
    device: v6p0
    addresses: [192.168.1.2/24]
uplinks:
  v6plus:
    kind: next-hop
    device: v6p0
    gateway: 192.168.1.1
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
zones:
  lan:
    interfaces: [lan]
  wan:
    uplinks: [v6plus, isp]
routing:
  default: v6plus
  pin:
    - from: 172.16.1.100/32
      uplink: isp
      fallback: drop
)";

config::Config lab_config() {
    auto r = config::parse_config(kConfig, "gateway.yaml");
    REQUIRE(r.config);
    return *r.config;
}

void fresh_lab() {
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    // "isp" stands in for the ppp link the session would create.
    for (const char* name : {"lan0", "v6p0", "wan0", "isp"}) {
        REQUIRE(run(std::string("ip link add ") + name + " type veth peer name " + name + "p") == 0);
        REQUIRE(run(std::string("ip link set ") + name + "p up") == 0);
    }
    REQUIRE(run("ip link set isp up") == 0);
}

rules::Facts isp_at(const std::string& address) {
    rules::Facts f;
    f.uplink_addresses["isp"] = {test::address(address)};
    return f;
}

std::string diff_text(kernel::Kernel& k, const netstate::NetState& want) {
    auto seen = test::observe_scope(k, want);
    REQUIRE_MESSAGE(seen, (seen ? "" : seen.error().describe()));
    return netstate::diff_netstate(want, *seen).text;
}

void sync(kernel::Kernel& k, const netstate::NetState& want) {
    auto r = test::sync_netstate(k, want);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().describe()));
    for (const auto& e : r->applied.transient) FAIL_CHECK(e.describe());
}

}  // namespace

TEST_CASE("netns: routing rules apply in order and observe back unchanged") {
    fresh_lab();
    test::RealKernel k;
    auto want = netstate::compile_netstate(lab_config(), isp_at("203.0.113.7"));
    sync(k, want);
    CHECK(diff_text(k, want) == "");
    auto rules = output("ip -4 rule show");
    CHECK(contains(rules, "10000:\tfrom all lookup main suppress_prefixlength 0"));
    CHECK(contains(rules, "10100:\tfrom all fwmark 0x10000/0xff0000 lookup 1000"));
    CHECK(contains(rules, "10101:\tfrom all fwmark 0x20000/0xff0000 lookup 1001"));
    CHECK(contains(rules, "10200:\tfrom 192.168.1.2 lookup 1000"));
    CHECK(contains(rules, "10201:\tfrom 203.0.113.7 lookup 1001"));
    CHECK(contains(rules, "10500:\tfrom 172.16.1.100 lookup 1001"));
    CHECK(contains(rules, "10501:\tfrom 172.16.1.100 unreachable"));
    CHECK(kernel::read_sysctl("net/ipv4/conf/all/src_valid_mark") == "1");
}

TEST_CASE("netns: a hand-made rule like ours but without suppress_prefixlength is replaced") {
    fresh_lab();
    test::RealKernel k;
    REQUIRE(run("ip rule add pref 10000 lookup main") == 0);
    auto want = netstate::compile_netstate(lab_config(), isp_at("203.0.113.7"));
    auto before = diff_text(k, want);
    CHECK(contains(before, "-rule pref 10000 from all lookup main\n"));
    CHECK(contains(before, "+rule pref 10000 from all lookup main suppress_prefixlength 0\n"));
    sync(k, want);
    CHECK(diff_text(k, want) == "");
    auto rules = output("ip -4 rule show");
    CHECK_FALSE(contains(rules, "10000:\tfrom all lookup main \n"));
    CHECK(contains(rules, "10000:\tfrom all lookup main suppress_prefixlength 0"));
}

TEST_CASE("netns: a reconnect with a new address moves the from-rule; PPPoE down removes it") {
    fresh_lab();
    test::RealKernel k;
    auto cfg = lab_config();
    sync(k, netstate::compile_netstate(cfg, isp_at("203.0.113.7")));
    auto moved = netstate::compile_netstate(cfg, isp_at("198.51.100.9"));
    sync(k, moved);
    CHECK(diff_text(k, moved) == "");
    CHECK(contains(output("ip -4 rule show"), "from 198.51.100.9 lookup 1001"));
    CHECK_FALSE(contains(output("ip -4 rule show"), "203.0.113.7"));

    rules::Facts down;
    down.uplink_addresses["isp"] = {};
    auto gone = netstate::compile_netstate(cfg, down);
    sync(k, gone);
    CHECK(diff_text(k, gone) == "");
    CHECK_FALSE(contains(output("ip -4 rule show"), "198.51.100.9"));
    CHECK(contains(output("ip -4 rule show"), "10501:\tfrom 172.16.1.100 unreachable"));
}

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: the netns suite needs root to create network namespaces");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::printf("skipping: cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
